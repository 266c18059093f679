#include "cli/command.hpp"
#include "cli/commands/config_command.hpp"
#include "cli/commands/cp_command.hpp"
#include "cli/commands/events_command.hpp"
#include "cli/commands/exec_command.hpp"
#include "cli/commands/gpus_command.hpp"
#include "cli/commands/image_command.hpp"
#include "cli/commands/inspect_command.hpp"
#include "cli/commands/lifecycle_command.hpp"
#include "cli/commands/ps_logs_command.hpp"
#include "cli/commands/run_command.hpp"
#include "cli/commands/system_command.hpp"
#include "cli/commands/up_command.hpp"

#include <algorithm>

namespace aic::cli {

const std::vector<CommandSpec>& command_table() {
  static const std::vector<CommandSpec> table = [] {
    std::vector<CommandSpec> all = {
        build_command(),   completion_command(), config_command(),  cp_command(),
        create_command(),  down_command(),       events_command(),  exec_command(),
        images_command(),  kill_command(),       logs_command(),    ls_command(),
        pause_command(),   port_command(),       ps_command(),      pull_command(),
        restart_command(), rm_command(),         run_command(),     start_command(),
        stop_command(),    top_command(),        unpause_command(), up_command(),
        version_command(), wait_command(),       gpus_command(),
    };
    std::sort(all.begin(), all.end(),
              [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
    return all;
  }();
  return table;
}

} // namespace aic::cli
