#include "proto/project_types.hpp"

#include "proto/json_fields.hpp"
#include "proto/project_event.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {

void to_json(nlohmann::json& j, const ComposeInputs& v) {
  j = {{"config_files", v.config_files}, {"files", v.files},       {"working_dir", v.working_dir},
       {"env_files", v.env_files},       {"profiles", v.profiles}, {"services", v.services},
       {"environment", v.environment}};
  write_optional(j, "project_directory", v.project_directory);
  write_optional(j, "project_name", v.project_name);
}

void from_json(const nlohmann::json& j, ComposeInputs& v) {
  read_field(j, "config_files", v.config_files);
  read_field(j, "files", v.files);
  read_field(j, "working_dir", v.working_dir);
  read_field(j, "project_directory", v.project_directory);
  read_field(j, "project_name", v.project_name);
  read_field(j, "env_files", v.env_files);
  read_field(j, "profiles", v.profiles);
  read_field(j, "services", v.services);
  read_field(j, "environment", v.environment);
}

void to_json(nlohmann::json& j, const UpOptions& v) {
  j = {{"services", v.services},
       {"build", v.build},
       {"pull", v.pull},
       {"force_recreate", v.force_recreate},
       {"no_recreate", v.no_recreate},
       {"no_deps", v.no_deps},
       {"remove_orphans", v.remove_orphans},
       {"no_start", v.no_start},
       {"wait", v.wait},
       {"wait_timeout_s", v.wait_timeout_s},
       {"scale", v.scale}};
  write_optional(j, "timeout_s", v.timeout_s);
}

void from_json(const nlohmann::json& j, UpOptions& v) {
  read_field(j, "services", v.services);
  read_field(j, "build", v.build);
  read_field(j, "pull", v.pull);
  read_field(j, "force_recreate", v.force_recreate);
  read_field(j, "no_recreate", v.no_recreate);
  read_field(j, "no_deps", v.no_deps);
  read_field(j, "remove_orphans", v.remove_orphans);
  read_field(j, "no_start", v.no_start);
  read_field(j, "wait", v.wait);
  read_field(j, "wait_timeout_s", v.wait_timeout_s);
  read_field(j, "timeout_s", v.timeout_s);
  read_field(j, "scale", v.scale);
}

void to_json(nlohmann::json& j, const UpRequest& v) {
  j = {{"inputs", v.inputs}, {"options", v.options}};
}

void from_json(const nlohmann::json& j, UpRequest& v) {
  read_field(j, "inputs", v.inputs);
  read_field(j, "options", v.options);
}

void to_json(nlohmann::json& j, const DownOptions& v) {
  j = {{"volumes", v.volumes}, {"rmi", v.rmi}, {"remove_orphans", v.remove_orphans}};
  write_optional(j, "timeout_s", v.timeout_s);
}

void from_json(const nlohmann::json& j, DownOptions& v) {
  read_field(j, "volumes", v.volumes);
  read_field(j, "rmi", v.rmi);
  read_field(j, "remove_orphans", v.remove_orphans);
  read_field(j, "timeout_s", v.timeout_s);
}

void to_json(nlohmann::json& j, const ProgressEvent& v) {
  j = {{"kind", v.kind},
       {"name", v.name},
       {"status", v.status},
       {"detail", v.detail},
       {"level", v.level}};
}

void from_json(const nlohmann::json& j, ProgressEvent& v) {
  read_field(j, "kind", v.kind);
  read_field(j, "name", v.name);
  read_field(j, "status", v.status);
  read_field(j, "detail", v.detail);
  read_field(j, "level", v.level);
}

void to_json(nlohmann::json& j, const ContainerStatus& v) {
  j = {{"id", v.id},           {"name", v.name},        {"service", v.service},
       {"number", v.number},   {"image", v.image},      {"state", v.state},
       {"health", v.health},   {"status", v.status},    {"exit_code", v.exit_code},
       {"created", v.created}, {"ports", v.ports},      {"command", v.command},
       {"labels", v.labels},   {"restarts", v.restarts}};
  nlohmann::json publishers = nlohmann::json::array();
  for (const auto& p : v.publishers) {
    publishers.push_back({{"url", p.url},
                          {"target_port", p.target_port},
                          {"published_port", p.published_port},
                          {"protocol", p.protocol}});
  }
  j["publishers"] = std::move(publishers);
}

void from_json(const nlohmann::json& j, ContainerStatus& v) {
  read_field(j, "id", v.id);
  read_field(j, "name", v.name);
  read_field(j, "service", v.service);
  read_field(j, "number", v.number);
  read_field(j, "image", v.image);
  read_field(j, "state", v.state);
  read_field(j, "health", v.health);
  read_field(j, "status", v.status);
  read_field(j, "exit_code", v.exit_code);
  read_field(j, "created", v.created);
  read_field(j, "ports", v.ports);
  read_field(j, "command", v.command);
  read_field(j, "labels", v.labels);
  read_field(j, "restarts", v.restarts);
  if (auto it = j.find("publishers"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      Publisher out;
      read_field(p, "url", out.url);
      read_field(p, "target_port", out.target_port);
      read_field(p, "published_port", out.published_port);
      read_field(p, "protocol", out.protocol);
      v.publishers.push_back(std::move(out));
    }
  }
}

void to_json(nlohmann::json& j, const ProjectStatus& v) {
  j = {{"name", v.name},
       {"status", v.status},
       {"working_dir", v.working_dir},
       {"config_files", v.config_files},
       {"containers", v.containers},
       {"supervision", v.supervision}};
}

void from_json(const nlohmann::json& j, ProjectStatus& v) {
  read_field(j, "name", v.name);
  read_field(j, "status", v.status);
  read_field(j, "working_dir", v.working_dir);
  read_field(j, "config_files", v.config_files);
  read_field(j, "containers", v.containers);
  read_field(j, "supervision", v.supervision);
}

void to_json(nlohmann::json& j, const RestartRecord& v) {
  j = {{"time", format_rfc3339_ns(v.time_ns)},
       {"service", v.service},
       {"container", v.container},
       {"reason", v.reason},
       {"attempt", v.attempt},
       {"detail", v.detail},
       {"error", v.error}};
}

void from_json(const nlohmann::json& j, RestartRecord& v) {
  std::string time;
  read_field(j, "time", time);
  v.time_ns = parse_rfc3339_ns(time).value_or(0);
  read_field(j, "service", v.service);
  read_field(j, "container", v.container);
  read_field(j, "reason", v.reason);
  read_field(j, "attempt", v.attempt);
  read_field(j, "detail", v.detail);
  read_field(j, "error", v.error);
}

void to_json(nlohmann::json& j, const ServiceSupervision& v) {
  j = {{"service", v.service},
       {"restart_on_unhealthy", v.restart_on_unhealthy},
       {"state", v.state},
       {"restarts", v.restarts},
       {"attempts_in_window", v.attempts_in_window},
       {"max_attempts", v.max_attempts},
       {"recent", v.recent}};
  if (v.next_restart_ns != 0) {
    j["next_restart"] = format_rfc3339_ns(v.next_restart_ns);
  }
}

void from_json(const nlohmann::json& j, ServiceSupervision& v) {
  read_field(j, "service", v.service);
  read_field(j, "restart_on_unhealthy", v.restart_on_unhealthy);
  read_field(j, "state", v.state);
  read_field(j, "restarts", v.restarts);
  read_field(j, "attempts_in_window", v.attempts_in_window);
  read_field(j, "max_attempts", v.max_attempts);
  std::string next;
  read_field(j, "next_restart", next);
  v.next_restart_ns = next.empty() ? 0 : parse_rfc3339_ns(next).value_or(0);
  read_field(j, "recent", v.recent);
}

} // namespace aic::proto
