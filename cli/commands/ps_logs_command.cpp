#include "cli/commands/ps_logs_command.hpp"

#include "cli/compose_inputs.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/log_printer.hpp"
#include "cli/project_flags.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
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

namespace {

constexpr std::string_view kStates[] = {"paused", "restarting", "removing", "running",
                                        "dead",   "created",    "exited"};

/// docker's units.HumanDuration: "About a minute", "3 hours".
std::string human_duration(std::int64_t seconds) {
  if (seconds < 1) {
    return "Less than a second";
  }
  if (seconds == 1) {
    return "1 second";
  }
  if (seconds < 60) {
    return std::to_string(seconds) + " seconds";
  }
  std::int64_t minutes = seconds / 60;
  if (minutes == 1) {
    return "About a minute";
  }
  if (minutes < 60) {
    return std::to_string(minutes) + " minutes";
  }
  std::int64_t hours = seconds / 3600;
  if (hours == 1) {
    return "About an hour";
  }
  if (hours < 48) {
    return std::to_string(hours) + " hours";
  }
  if (hours < 24 * 7 * 2) {
    return std::to_string(hours / 24) + " days";
  }
  if (hours < 24 * 30 * 2) {
    return std::to_string(hours / 24 / 7) + " weeks";
  }
  if (hours < 24 * 365 * 2) {
    return std::to_string(hours / 24 / 30) + " months";
  }
  return std::to_string(hours / 24 / 365) + " years";
}

std::string labels_text(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    out += (out.empty() ? "" : ",") + k + "=" + v;
  }
  return out;
}

/// One line of `ps --format json`, with the fields and spelling of `docker compose ps`.
/// A service's supervision state by name ("ok", "backoff", "failed"); "" when not supervised.
std::map<std::string, std::string> supervision_states(const proto::ProjectStatus& status) {
  std::map<std::string, std::string> out;
  for (const auto& s : status.supervision) {
    out[s.service] = s.state;
  }
  return out;
}

/// The RESTARTS cell: the count, and why aicd stopped restarting a failed service.
std::string restarts_cell(const proto::ContainerStatus& c, const std::string& state) {
  std::string cell = std::to_string(c.restarts);
  if (state == "failed") {
    cell += " (gave up)";
  } else if (state == "backoff") {
    cell += " (restarting)";
  }
  return cell;
}

nlohmann::json ps_json(const proto::ContainerStatus& c, const std::string& project,
                       std::int64_t now, const std::string& supervision) {
  nlohmann::json publishers = nlohmann::json::array();
  for (const auto& p : c.publishers) {
    publishers.push_back({{"URL", p.url},
                          {"TargetPort", p.target_port},
                          {"PublishedPort", p.published_port},
                          {"Protocol", p.protocol}});
  }
  return {{"ID", c.id},
          {"Name", c.name},
          {"Names", nlohmann::json::array({c.name})},
          {"Image", c.image},
          {"Command", c.command},
          {"Project", project},
          {"Service", c.service},
          {"Created", c.created},
          {"RunningFor", human_duration(now - c.created) + " ago"},
          {"State", c.state},
          {"Status", c.status},
          {"Health", c.health},
          {"ExitCode", c.exit_code},
          {"Publishers", publishers},
          {"Labels", labels_text(c.labels)},
          {"Ports", join(c.ports, ", ")},
          {"LocalVolumes", "0"},
          {"Mounts", ""},
          {"Networks", ""},
          {"Size", "0B"},
          {"Restarts", c.restarts},
          {"Supervision", supervision}};
}

/// The command as ps shows it: quoted, cut to 20 characters unless --no-trunc.
std::string command_cell(const std::string& command, bool no_trunc) {
  std::string text = command;
  if (!no_trunc && text.size() > 20) {
    text = text.substr(0, 19) + "\u2026";
  }
  return "\"" + text + "\"";
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(rows[0].size(), 0);
  auto width_of = [](const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) {
      n += (c & 0xC0) != 0x80 ? 1 : 0; // UTF-8 code points
    }
    return n;
  };
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      widths[i] = std::max(widths[i], width_of(r[i]));
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) {
        line += std::string(widths[i] - width_of(r[i]) + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << "\n";
  }
}

int run_ps(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& out = *inv.out;
  std::ostream& err = *inv.err;
  std::string format = args.last("format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error(err, "ps", "invalid --format \"" + format + "\": use table or json");
  }
  std::set<std::string> statuses;
  for (const auto& s : args.all("status")) {
    statuses.insert(s);
  }
  for (const auto& f : args.all("filter")) {
    if (f.rfind("status=", 0) != 0) {
      return usage_error(err, "ps",
                         "invalid --filter \"" + f + "\": only status=STATE is supported");
    }
    statuses.insert(f.substr(7));
  }
  for (const auto& s : statuses) {
    if (std::find(std::begin(kStates), std::end(kStates), s) == std::end(kStates)) {
      return usage_error(err, "ps",
                         "invalid status \"" + s +
                             "\": use paused, restarting, removing, running, dead, created or "
                             "exited");
    }
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
  // Only --format json prints the labels; the table leaves them on aicd's side.
  const std::string path = project_path(*name) + (format == "json" ? "" : "?labels=false");
  Result<Response> response = (*client)->request("GET", path);
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
  const auto& only = args.positionals();
  std::set<std::string> known;
  for (const auto& c : status.containers) {
    known.insert(c.service);
  }
  for (const auto& s : only) {
    if (known.count(s) == 0 && response) {
      err << "error: no such service: " << s << "\n";
      return static_cast<int>(ExitCode::Failure);
    }
  }
  std::vector<proto::ContainerStatus> shown;
  for (const auto& c : status.containers) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.service) == only.end()) {
      continue;
    }
    if (!statuses.empty() ? statuses.count(c.state) == 0
                          : !args.has("all") && c.state != "running" && c.state != "restarting" &&
                                c.state != "paused") {
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
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::map<std::string, std::string> supervision = supervision_states(status);
  if (format == "json") {
    for (const auto& c : shown) {
      out << ps_json(c, *name, now, supervision[c.service]).dump() << "\n";
    }
    return static_cast<int>(ExitCode::Ok);
  }
  std::vector<std::vector<std::string>> rows = {
      {"NAME", "IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS", "RESTARTS", "PORTS"}};
  for (const auto& c : shown) {
    rows.push_back({c.name, c.image, command_cell(c.command, args.has("no-trunc")), c.service,
                    human_duration(now - c.created) + " ago", c.status,
                    restarts_cell(c, supervision[c.service]), join(c.ports, ", ")});
  }
  print_table(out, rows);
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

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

namespace {

int run_logs(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
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
  if (auto index = args.last("index")) {
    if (!parse_count(*index) || *parse_count(*index) == 0) {
      return usage_error(err, "logs", "invalid --index \"" + *index + "\"");
    }
    query += "&index=" + *index;
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

} // namespace

CommandSpec ps_command() {
  CommandSpec c;
  c.name = "ps";
  c.summary = "List containers";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {
      {"all", 'a', false, "", "Show all stopped containers (including those created by run)"},
      {"quiet", 'q', false, "", "Only display IDs"},
      {"services", 0, false, "", "Display services"},
      {"status", 0, true, "STATE",
       "Filter services by status (repeatable): paused, restarting, "
       "removing, running, dead, created, exited"},
      {"filter", 0, true, "status=STATE", "Filter services by a property"},
      {"format", 0, true, "FORMAT", "Format the output: table or json"},
      {"no-trunc", 0, false, "", "Don't truncate output"},
  };
  c.run = run_ps;
  return c;
}

CommandSpec logs_command() {
  CommandSpec c;
  c.name = "logs";
  c.summary = "View output from containers";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {
      {"follow", 'f', false, "", "Follow log output, across restarts and recreates"},
      {"tail", 'n', true, "N", "Number of lines to show from the end of the logs (default all)"},
      {"timestamps", 't', false, "", "Show timestamps"},
      {"since", 0, true, "TIME", "Show logs since timestamp or relative time (e.g. 42m)"},
      {"until", 0, true, "TIME", "Show logs before a timestamp or relative time"},
      {"no-color", 0, false, "", "Produce monochrome output"},
      {"no-log-prefix", 0, false, "", "Don't print prefix in logs"},
      {"index", 0, true, "N", "Index of the container if the service has several replicas"},
  };
  c.run = run_logs;
  return c;
}

} // namespace aic::cli
