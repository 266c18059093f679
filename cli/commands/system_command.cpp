#include "cli/commands/system_command.hpp"

#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "proto/project_types.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {
namespace {

int run_version(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& out = *inv.out;
  std::string format = args.last("format").value_or("pretty");
  if (format != "pretty" && format != "json") {
    return usage_error(*inv.err, "version",
                       "invalid --format \"" + format + "\": use pretty or json");
  }
  if (args.has("short")) {
    out << kAicVersion << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  nlohmann::json daemon;
  std::string daemon_error;
  if (Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv); client) {
    Result<Response> answer = (*client)->request("GET", "/v1/version");
    if (answer) {
      daemon = answer->json();
    } else {
      daemon_error = answer.error().message();
    }
  } else {
    daemon_error = client.error().message();
  }
  if (format == "json") {
    nlohmann::json j = {{"version", kAicVersion}};
    if (daemon.is_object()) {
      j["aicd"] = daemon;
    } else {
      j["aicd"] = nullptr;
      j["aicd_error"] = daemon_error;
    }
    out << j.dump() << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  out << "aic version " << kAicVersion << "\n";
  if (daemon.is_object()) {
    out << "aicd version " << daemon.value("version", "?") << " (API "
        << daemon.value("api_version", "?") << ")\n";
    if (auto engine = daemon.find("engine"); engine != daemon.end() && engine->is_object()) {
      out << "Docker Engine " << engine->value("version", "?") << " (API "
          << engine->value("api_version", "?") << ")\n";
    }
  } else {
    *inv.err << "aicd: not reachable: " << daemon_error << "\n";
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_ls(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& out = *inv.out;
  std::ostream& err = *inv.err;
  std::string format = args.last("format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error(err, "ls", "invalid --format \"" + format + "\": use table or json");
  }
  std::string name_filter;
  for (const auto& f : args.all("filter")) {
    if (f.rfind("name=", 0) != 0) {
      return usage_error(err, "ls", "invalid --filter \"" + f + "\": only name=NAME is supported");
    }
    name_filter = f.substr(5);
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  Result<Response> answer = (*client)->request("GET", "/v1/projects");
  if (!answer) {
    print_error(err, answer.error());
    return exit_code_for(answer.error());
  }
  std::vector<proto::ProjectStatus> projects;
  try {
    projects = answer->json().get<std::vector<proto::ProjectStatus>>();
  } catch (const nlohmann::json::exception& e) {
    err << "error: aicd sent an unexpected project list: " << e.what() << "\n";
    return static_cast<int>(ExitCode::Failure);
  }
  std::vector<proto::ProjectStatus> shown;
  for (auto& p : projects) {
    bool running = std::any_of(p.containers.begin(), p.containers.end(),
                               [](const auto& c) { return c.state == "running"; });
    if (!args.has("all") && !running) {
      continue;
    }
    if (!name_filter.empty() && p.name.find(name_filter) == std::string::npos) {
      continue;
    }
    shown.push_back(std::move(p));
  }
  if (args.has("quiet")) {
    for (const auto& p : shown) {
      out << p.name << "\n";
    }
    return static_cast<int>(ExitCode::Ok);
  }
  auto files = [](const proto::ProjectStatus& p) {
    std::string text;
    for (const auto& f : p.config_files) {
      text += (text.empty() ? "" : ",") + f;
    }
    return text;
  };
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : shown) {
      list.push_back({{"Name", p.name}, {"Status", p.status}, {"ConfigFiles", files(p)}});
    }
    out << list.dump() << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  std::size_t name_width = 4;
  std::size_t status_width = 6;
  for (const auto& p : shown) {
    name_width = std::max(name_width, p.name.size());
    status_width = std::max(status_width, p.status.size());
  }
  auto row = [&](const std::string& a, const std::string& b, const std::string& c) {
    std::string line = a + std::string(name_width - a.size() + 3, ' ') + b +
                       std::string(status_width - b.size() + 3, ' ') + c;
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << "\n";
  };
  row("NAME", "STATUS", "CONFIG FILES");
  for (const auto& p : shown) {
    row(p.name, p.status, files(p));
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_completion(const Invocation& inv, const ParsedArgs& args) {
  if (args.positionals().size() != 1) {
    return usage_error(*inv.err, "completion", "name one shell: bash or zsh");
  }
  std::string script = completion_script(args.positionals()[0]);
  if (script.empty()) {
    return usage_error(*inv.err, "completion",
                       "unsupported shell \"" + args.positionals()[0] + "\": use bash or zsh");
  }
  *inv.out << script;
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

std::vector<FlagSpec> daemon_flag_specs() {
  std::vector<FlagSpec> out;
  for (const auto& f : project_flag_specs()) {
    if (f.long_name == "host" || f.long_name == "token" || f.long_name == "tlscacert") {
      out.push_back(f);
    }
  }
  return out;
}

CommandSpec version_command() {
  CommandSpec c;
  c.name = "version";
  c.summary = "Show the aic version information";
  c.usage = "[OPTIONS]";
  c.flags = {
      {"format", 'f', true, "FORMAT", "Format the output: pretty or json"},
      {"short", 0, false, "", "Shows only aic's version number"},
  };
  std::vector<FlagSpec> daemon = daemon_flag_specs();
  c.flags.insert(c.flags.end(), daemon.begin(), daemon.end());
  c.project = false;
  c.positionals = Positionals::None;
  c.run = run_version;
  return c;
}

CommandSpec ls_command() {
  CommandSpec c;
  c.name = "ls";
  c.summary = "List running compose projects";
  c.usage = "[OPTIONS]";
  c.flags = {
      {"all", 'a', false, "", "Show all stopped Compose projects"},
      {"quiet", 'q', false, "", "Only display project names"},
      {"format", 0, true, "FORMAT", "Format the output: table or json"},
      {"filter", 0, true, "name=NAME", "Filter output based on conditions provided"},
  };
  std::vector<FlagSpec> daemon = daemon_flag_specs();
  c.flags.insert(c.flags.end(), daemon.begin(), daemon.end());
  c.project = false;
  c.positionals = Positionals::None;
  c.run = run_ls;
  return c;
}

CommandSpec completion_command() {
  CommandSpec c;
  c.name = "completion";
  c.summary = "Print the bash or zsh completion script";
  c.usage = "bash|zsh";
  c.project = false;
  c.positionals = Positionals::Free;
  c.run = run_completion;
  return c;
}

} // namespace aic::cli
