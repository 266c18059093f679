#pragma once

#include "cli/command.hpp"
#include "cli/rest_client.hpp"

#include <string>
#include <vector>

namespace aic::cli {

/// `aic ps`: the project's containers, from aicd.
CommandSpec ps_command();

/// `aic logs`: the project's container output, streamed from aicd.
CommandSpec logs_command();

/// Follows the logs of `project` until they end or Ctrl-C; the attached part of `aic up`.
Result<void> follow_logs(RestClient& client, const std::string& project, std::ostream& out,
                         bool color, const std::string& query);

/// The project name from -p, else from loading the compose files (as compose does).
Result<std::string> project_name_from(const class ParsedArgs& args, const Invocation& inv);

} // namespace aic::cli
