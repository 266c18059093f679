#include "cli/commands/events_command.hpp"

#include "cli/commands/ps_logs_command.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {
namespace {

/// Go's time.String() in UTC: "2024-05-01 10:00:00.123456789 +0000 UTC".
std::string go_time(std::int64_t unix_ns) {
  std::string t = proto::format_rfc3339_ns(unix_ns); // "2024-05-01T10:00:00.123456789Z"
  t[10] = ' ';
  t.pop_back();
  return t + " +0000 UTC";
}

/// Reads the lines of the Server-Sent Events stream: `event:` names the next `data:` line,
/// whose JSON is one event (or a gap notice). Comments, `id:` and `retry:` lines are skipped.
class EventReader {
public:
  EventReader(std::ostream& out, std::ostream& err, bool json,
              const std::vector<std::string>& services)
      : out_(out), err_(err), json_(json), services_(services) {}

  bool on_line(std::string_view line) {
    if (line.rfind("event:", 0) == 0) {
      event_ = trim(line.substr(6));
      return true;
    }
    if (line.rfind("data:", 0) != 0) {
      return true;
    }
    nlohmann::json data = nlohmann::json::parse(trim(line.substr(5)), nullptr, false);
    const std::string name = std::exchange(event_, std::string());
    if (data.is_discarded() || !data.is_object()) {
      return true;
    }
    if (name == "gap") {
      const nlohmann::json lost = data.value("lost", nlohmann::json());
      err_ << "warning: aicd no longer holds "
           << (lost.is_number() ? std::to_string(lost.get<std::uint64_t>()) + " events"
                                : std::string("some events"))
           << " of this stream; they are not shown\n"
           << std::flush;
      return true;
    }
    proto::ProjectEvent event;
    try {
      event = data.get<proto::ProjectEvent>();
    } catch (const nlohmann::json::exception&) {
      return true; // not an event of a shape this aic knows
    }
    if (event.type != proto::event_type::kContainer &&
        event.type != proto::event_type::kSupervisor) {
      return true;
    }
    if (!services_.empty() &&
        std::find(services_.begin(), services_.end(), event.service) == services_.end()) {
      return true;
    }
    out_ << (json_ ? format_event_json(event) : format_event_line(event)) << "\n" << std::flush;
    return true;
  }

private:
  static std::string trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
      s.remove_prefix(1);
    }
    return std::string(s);
  }

  std::ostream& out_;
  std::ostream& err_;
  bool json_;
  const std::vector<std::string>& services_;
  std::string event_;
};

int run_events(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  std::string services;
  for (const auto& s : args.positionals()) {
    if (s.empty() || s.find(',') != std::string::npos) {
      return usage_error(err, "events", "invalid service name \"" + s + "\"");
    }
    services += (services.empty() ? "" : ",") + s;
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
  // Container events as docker compose shows them, plus aicd's restarts (docs/supervision.md)
  // and GPU holds (docs/gpus.md).
  std::string path = project_path(*name) + "/events?types=container,supervisor,gpu";
  if (!services.empty()) {
    path += "&services=" + services;
  }
  EventReader reader(*inv.out, err, args.has("json"), args.positionals());
  auto on_line = [&reader](std::string_view line) { return reader.on_line(line); };
  Result<void> done = (*client)->stream("GET", path, std::nullopt, on_line, &interrupted());
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

std::string format_event_line(const proto::ProjectEvent& event) {
  std::map<std::string, std::string> shown = event.attributes;
  if (!event.service.empty()) {
    shown.emplace("service", event.service);
  }
  std::string attributes;
  for (const auto& [key, value] : shown) {
    attributes += (attributes.empty() ? "" : ", ") + key + "=" + value;
  }
  return go_time(event.time_ns) + " " + event.type + " " + event.action + " " + event.container_id +
         " (" + attributes + ")";
}

std::string format_event_json(const proto::ProjectEvent& event) {
  nlohmann::json j = {{"time", proto::format_rfc3339_ns(event.time_ns)},
                      {"type", event.type},
                      {"action", event.action},
                      {"id", event.container_id},
                      {"service", event.service},
                      {"attributes", event.attributes}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

CommandSpec events_command() {
  CommandSpec c;
  c.name = "events";
  c.summary = "Receive real time events from containers";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {{"json", 0, false, "", "Output events as a stream of json objects"}};
  c.run = run_events;
  return c;
}

} // namespace aic::cli
