#include "cli/cli.hpp"

#include "cli/commands/config_command.hpp"
#include "cli/commands/ps_logs_command.hpp"
#include "cli/commands/up_command.hpp"
#include "cli/project_flags.hpp"

#include <ostream>

namespace aic::cli {
namespace {

constexpr std::string_view kVersion = "0.1.0";

void print_help(std::ostream& out) {
  out << "Usage:  aic [OPTIONS] COMMAND\n\n"
         "aic runs Compose projects: the compose files you already have, read exactly as\n"
         "`docker compose` reads them.\n\n"
         "Options:\n"
      << format_flags(project_flag_specs())
      << "  -h, --help                   Show this help\n"
         "  -v, --version                Show the aic version\n\n"
         "Commands:\n"
         "  config      Parse, resolve and render compose files in canonical format\n"
         "  create      Creates containers for a service\n"
         "  down        Stop and remove containers, networks\n"
         "  logs        View output from containers\n"
         "  ps          List containers\n"
         "  up          Create and start containers\n"
         "  version     Show the aic version\n\n"
         "Run 'aic COMMAND --help' for more information on a command.\n";
}

} // namespace

std::atomic<bool>& interrupted() {
  static std::atomic<bool> flag{false};
  return flag;
}

int run(const Invocation& inv) {
  std::ostream& out = *inv.out;
  std::ostream& err = *inv.err;
  // Global flags may come before the command, as in `aic -f a.yml config`.
  std::vector<std::string> global;
  std::size_t i = 0;
  const auto specs = project_flag_specs();
  for (; i < inv.args.size(); ++i) {
    const std::string& a = inv.args[i];
    if (a == "-h" || a == "--help") {
      print_help(out);
      return static_cast<int>(ExitCode::Ok);
    }
    if (a == "-v" || a == "--version") {
      out << "aic version " << kVersion << "\n";
      return static_cast<int>(ExitCode::Ok);
    }
    if (a.empty() || a[0] != '-') {
      break;
    }
    global.push_back(a);
    bool has_inline = a.find('=') != std::string::npos || (a.size() > 2 && a[1] != '-');
    for (const auto& s : specs) {
      bool matches =
          a == "--" + s.long_name || (s.short_name && a == std::string("-") + s.short_name);
      if (matches && s.takes_value && !has_inline && i + 1 < inv.args.size()) {
        global.push_back(inv.args[++i]);
      }
    }
  }
  if (i >= inv.args.size()) {
    print_help(err);
    return static_cast<int>(ExitCode::Usage);
  }
  const std::string& command = inv.args[i];
  std::vector<std::string> rest = global;
  rest.insert(rest.end(), inv.args.begin() + static_cast<std::ptrdiff_t>(i) + 1, inv.args.end());
  if (command == "config") {
    return run_config(inv, rest);
  }
  if (command == "up" || command == "create") {
    return run_up(inv, rest, command == "create");
  }
  if (command == "ps") {
    return run_ps(inv, rest);
  }
  if (command == "logs") {
    return run_logs(inv, rest);
  }
  if (command == "down") {
    return run_down(inv, rest);
  }
  if (command == "version") {
    out << "aic version " << kVersion << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  err << "error: unknown command \"" << command << "\" for \"aic\"\n"
      << "Run 'aic --help' for usage.\n";
  return static_cast<int>(ExitCode::Usage);
}

} // namespace aic::cli
