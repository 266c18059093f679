#include "cli/cli.hpp"

#include "cli/command.hpp"
#include "cli/commands/system_command.hpp"
#include "cli/project_flags.hpp"

#include <ostream>

namespace aic::cli {
namespace {

void print_help(std::ostream& out) {
  out << "Usage:  aic [OPTIONS] COMMAND\n\n"
         "aic runs Compose projects: the compose files you already have, read exactly as\n"
         "`docker compose` reads them, run by the aicd daemon.\n\n"
         "Options:\n"
      << format_flags(project_flag_specs())
      << "  -h, --help                   Show this help\n"
         "  -v, --version                Show the aic version\n\n"
         "Commands:\n";
  for (const auto& c : command_table()) {
    out << "  " << c.name << std::string(c.name.size() < 12 ? 12 - c.name.size() : 1, ' ')
        << c.summary << "\n";
  }
  out << "\nRun 'aic COMMAND --help' for more information on a command.\n";
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
      out << "aic version " << kAicVersion << "\n";
      return static_cast<int>(ExitCode::Ok);
    }
    if (a.empty() || a[0] != '-') {
      break;
    }
    // Short global flags are passed on in their long form, so that a command's own short flag
    // of the same letter (`run -p` publishes) does not take them.
    std::string flag = a;
    if (a.size() >= 2 && a[1] != '-') {
      for (const auto& s : specs) {
        if (s.short_name == a[1]) {
          std::string value = a.substr(2);
          if (!value.empty() && value[0] == '=') {
            value.erase(0, 1);
          }
          flag = "--" + s.long_name + (a.size() > 2 ? "=" + value : "");
        }
      }
    }
    global.push_back(flag);
    bool has_inline = flag.find('=') != std::string::npos || (flag.size() > 2 && flag[1] != '-');
    for (const auto& s : specs) {
      bool matches = flag == "--" + s.long_name;
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
  const CommandSpec* spec = find_command(command);
  if (spec == nullptr) {
    err << "error: unknown command \"" << command << "\" for \"aic\"\n"
        << "Run 'aic --help' for usage.\n";
    return static_cast<int>(ExitCode::Usage);
  }
  std::vector<std::string> rest = global;
  rest.insert(rest.end(), inv.args.begin() + static_cast<std::ptrdiff_t>(i) + 1, inv.args.end());
  // Global flags count as flags even for commands that read flags only before their first
  // positional argument.
  Result<ParsedArgs> parsed = parse_args(rest, spec->all_flags(), spec->flags_before);
  if (!parsed) {
    return usage_error(err, command, parsed.error().message());
  }
  if (parsed->has("help")) {
    out << spec->help();
    return static_cast<int>(ExitCode::Ok);
  }
  return spec->run(inv, *parsed);
}

} // namespace aic::cli
