#include "cli/commands/ps_logs_command.hpp"

#include "cli/compose_inputs.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/log_printer.hpp"
#include "cli/project_flags.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <unistd.h>

namespace aic::cli {
namespace {

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const auto& i : items) {
    out += (out.empty() ? "" : sep) + i;
  }
  return out;
}

} // namespace

Result<std::string> project_name_from(const ParsedArgs& args, const Invocation& inv) {
  if (auto p = args.last("project-name"); p && args.all("file").empty()) {
    return *p;
  }
  Result<PreparedProject> project = prepare_project(load_options_from(args, inv));
  if (!project) {
    return std::move(project).error();
  }
  return project->loaded.name;
}

int run_ps(const Invocation& inv, const std::vector<std::string>& raw) {
  std::ostream& out = *inv.out;
  std::ostream& err = *inv.err;
  std::vector<FlagSpec> specs = project_flag_specs();
  std::vector<FlagSpec> own = {
      {"all", 'a', false, "", "Show all containers (default shows just running)"},
      {"quiet", 'q', false, "", "Only display IDs"},
      {"services", 0, false, "", "Display services"},
      {"format", 0, true, "FORMAT", "Format the output: table or json"},
      {"help", 'h', false, "", "Show this help"},
  };
  specs.insert(specs.end(), own.begin(), own.end());
  Result<ParsedArgs> parsed = parse_args(raw, specs);
  if (!parsed) {
    return usage_error(err, "ps", parsed.error().message());
  }
  const ParsedArgs& args = *parsed;
  if (args.has("help")) {
    out << "Usage:  aic ps [OPTIONS] [SERVICE...]\n\nList containers\n\nOptions:\n"
        << format_flags(specs);
    return static_cast<int>(ExitCode::Ok);
  }
  std::string format = args.last("format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error(err, "ps", "invalid --format \"" + format + "\": use table or json");
  }
  Result<std::string> name = project_name_from(args, inv);
  if (!name) {
    print_error(err, name.error());
    return static_cast<int>(ExitCode::Failure);
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  Result<Response> response = (*client)->request("GET", project_path(*name));
  proto::ProjectStatus status;
  if (!response) {
    if (response.error().code() != ErrorCode::NotFound) {
      print_error(err, response.error());
      return exit_code_for(response.error());
    }
    status.name = *name; // nothing running: an empty table, as compose prints
  } else {
    try {
      status = response->json().get<proto::ProjectStatus>();
    } catch (const nlohmann::json::exception& e) {
      err << "error: aicd sent an unexpected project status: " << e.what() << "\n";
      return static_cast<int>(ExitCode::Failure);
    }
  }
  std::vector<proto::ContainerStatus> shown;
  for (const auto& c : status.containers) {
    const auto& only = args.positionals();
    if (!only.empty() && std::find(only.begin(), only.end(), c.service) == only.end()) {
      continue;
    }
    if (!args.has("all") && c.state != "running" && c.state != "restarting") {
      continue;
    }
    shown.push_back(c);
  }
  if (args.has("services")) {
    std::set<std::string> names;
    for (const auto& c : shown) {
      names.insert(c.service);
    }
    for (const auto& n : names) {
      out << n << "\n";
    }
    return static_cast<int>(ExitCode::Ok);
  }
  if (args.has("quiet")) {
    for (const auto& c : shown) {
      out << c.id << "\n";
    }
    return static_cast<int>(ExitCode::Ok);
  }
  if (format == "json") {
    for (const auto& c : shown) {
      nlohmann::json j = {{"ID", c.id},           {"Name", c.name},       {"Image", c.image},
                          {"Project", *name},     {"Service", c.service}, {"State", c.state},
                          {"Status", c.status},   {"Health", c.health},   {"ExitCode", c.exit_code},
                          {"Created", c.created}, {"Publishers", c.ports}};
      out << j.dump() << "\n";
    }
    return static_cast<int>(ExitCode::Ok);
  }
  std::vector<std::vector<std::string>> rows = {{"NAME", "IMAGE", "SERVICE", "STATUS", "PORTS"}};
  for (const auto& c : shown) {
    rows.push_back({c.name, c.image, c.service, c.status, join(c.ports, ", ")});
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) {
        line += std::string(widths[i] - r[i].size() + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << "\n";
  }
  return static_cast<int>(ExitCode::Ok);
}

Result<void> follow_logs(RestClient& client, const std::string& project, std::ostream& out,
                         bool color, const std::string& query) {
  LogPrinter printer(out, color, query.find("no_prefix") == std::string::npos);
  std::string path = project_path(project) + "/logs" + (query.empty() ? "" : "?" + query);
  auto on_line = [&](std::string_view line) {
    printer.print(line);
    return true;
  };
  return client.stream("GET", path, std::nullopt, on_line, &interrupted());
}

int run_logs(const Invocation& inv, const std::vector<std::string>& raw) {
  std::ostream& err = *inv.err;
  std::vector<FlagSpec> specs = project_flag_specs();
  std::vector<FlagSpec> own = {
      {"follow", 'f', false, "", "Follow log output"},
      {"tail", 'n', true, "N", "Number of lines to show from the end of the logs (default all)"},
      {"timestamps", 't', false, "", "Show timestamps"},
      {"since", 0, true, "TIME", "Show logs since timestamp or relative time (e.g. 42m)"},
      {"until", 0, true, "TIME", "Show logs before a timestamp or relative time"},
      {"no-color", 0, false, "", "Produce monochrome output"},
      {"no-log-prefix", 0, false, "", "Don't print prefix in logs"},
      {"help", 'h', false, "", "Show this help"},
  };
  specs.insert(specs.end(), own.begin(), own.end());
  Result<ParsedArgs> parsed = parse_args(raw, specs);
  if (!parsed) {
    return usage_error(err, "logs", parsed.error().message());
  }
  const ParsedArgs& args = *parsed;
  if (args.has("help")) {
    *inv.out << "Usage:  aic logs [OPTIONS] [SERVICE...]\n\nView output from containers\n\n"
                "Options:\n"
             << format_flags(specs);
    return static_cast<int>(ExitCode::Ok);
  }
  std::string query;
  if (args.has("follow")) {
    query += "&follow=true";
  }
  if (args.has("timestamps")) {
    query += "&timestamps=true";
  }
  for (const char* key : {"tail", "since", "until"}) {
    if (auto v = args.last(key)) {
      std::string value;
      for (char c : *v) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == ':') {
          value += c;
        } else {
          return usage_error(err, "logs", std::string("invalid --") + key + " \"" + *v + "\"");
        }
      }
      query += std::string("&") + key + "=" + value;
    }
  }
  if (!args.positionals().empty()) {
    query += "&services=" + join(args.positionals(), ",");
  }
  if (args.has("no-log-prefix")) {
    query += "&no_prefix=1";
  }
  Result<std::string> name = project_name_from(args, inv);
  if (!name) {
    print_error(err, name.error());
    return static_cast<int>(ExitCode::Failure);
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  bool color = !args.has("no-color") && ::isatty(1) == 1;
  Result<void> done =
      follow_logs(**client, *name, *inv.out, color, query.empty() ? "" : query.substr(1));
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  return static_cast<int>(ExitCode::Ok);
}

} // namespace aic::cli
