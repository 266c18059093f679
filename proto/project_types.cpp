#include "proto/project_types.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

// Absent keys keep the default; a key of the wrong type throws nlohmann::json::type_error,
// which the API turns into a 400.
template <typename T>
void read(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    it->get_to(out);
  }
}

template <typename T>
void read(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    out = it->get<T>();
  }
}

template <typename T>
void write_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) {
    j[key] = *v;
  }
}

} // namespace

void to_json(nlohmann::json& j, const ComposeInputs& v) {
  j = {{"config_files", v.config_files}, {"files", v.files},       {"working_dir", v.working_dir},
       {"env_files", v.env_files},       {"profiles", v.profiles}, {"services", v.services},
       {"environment", v.environment}};
  write_optional(j, "project_directory", v.project_directory);
  write_optional(j, "project_name", v.project_name);
}

void from_json(const nlohmann::json& j, ComposeInputs& v) {
  read(j, "config_files", v.config_files);
  read(j, "files", v.files);
  read(j, "working_dir", v.working_dir);
  read(j, "project_directory", v.project_directory);
  read(j, "project_name", v.project_name);
  read(j, "env_files", v.env_files);
  read(j, "profiles", v.profiles);
  read(j, "services", v.services);
  read(j, "environment", v.environment);
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
  read(j, "services", v.services);
  read(j, "build", v.build);
  read(j, "pull", v.pull);
  read(j, "force_recreate", v.force_recreate);
  read(j, "no_recreate", v.no_recreate);
  read(j, "no_deps", v.no_deps);
  read(j, "remove_orphans", v.remove_orphans);
  read(j, "no_start", v.no_start);
  read(j, "wait", v.wait);
  read(j, "wait_timeout_s", v.wait_timeout_s);
  read(j, "timeout_s", v.timeout_s);
  read(j, "scale", v.scale);
}

void to_json(nlohmann::json& j, const UpRequest& v) {
  j = {{"inputs", v.inputs}, {"options", v.options}};
}

void from_json(const nlohmann::json& j, UpRequest& v) {
  read(j, "inputs", v.inputs);
  read(j, "options", v.options);
}

void to_json(nlohmann::json& j, const DownOptions& v) {
  j = {{"volumes", v.volumes}, {"rmi", v.rmi}, {"remove_orphans", v.remove_orphans}};
  write_optional(j, "timeout_s", v.timeout_s);
}

void from_json(const nlohmann::json& j, DownOptions& v) {
  read(j, "volumes", v.volumes);
  read(j, "rmi", v.rmi);
  read(j, "remove_orphans", v.remove_orphans);
  read(j, "timeout_s", v.timeout_s);
}

void to_json(nlohmann::json& j, const ProgressEvent& v) {
  j = {{"kind", v.kind},
       {"name", v.name},
       {"status", v.status},
       {"detail", v.detail},
       {"level", v.level}};
}

void from_json(const nlohmann::json& j, ProgressEvent& v) {
  read(j, "kind", v.kind);
  read(j, "name", v.name);
  read(j, "status", v.status);
  read(j, "detail", v.detail);
  read(j, "level", v.level);
}

void to_json(nlohmann::json& j, const ContainerStatus& v) {
  j = {{"id", v.id},           {"name", v.name},     {"service", v.service},
       {"number", v.number},   {"image", v.image},   {"state", v.state},
       {"health", v.health},   {"status", v.status}, {"exit_code", v.exit_code},
       {"created", v.created}, {"ports", v.ports},   {"command", v.command},
       {"labels", v.labels}};
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
  read(j, "id", v.id);
  read(j, "name", v.name);
  read(j, "service", v.service);
  read(j, "number", v.number);
  read(j, "image", v.image);
  read(j, "state", v.state);
  read(j, "health", v.health);
  read(j, "status", v.status);
  read(j, "exit_code", v.exit_code);
  read(j, "created", v.created);
  read(j, "ports", v.ports);
  read(j, "command", v.command);
  read(j, "labels", v.labels);
  if (auto it = j.find("publishers"); it != j.end() && it->is_array()) {
    for (const auto& p : *it) {
      Publisher out;
      read(p, "url", out.url);
      read(p, "target_port", out.target_port);
      read(p, "published_port", out.published_port);
      read(p, "protocol", out.protocol);
      v.publishers.push_back(std::move(out));
    }
  }
}

void to_json(nlohmann::json& j, const ProjectStatus& v) {
  j = {{"name", v.name},
       {"status", v.status},
       {"working_dir", v.working_dir},
       {"config_files", v.config_files},
       {"containers", v.containers}};
}

void from_json(const nlohmann::json& j, ProjectStatus& v) {
  read(j, "name", v.name);
  read(j, "status", v.status);
  read(j, "working_dir", v.working_dir);
  read(j, "config_files", v.config_files);
  read(j, "containers", v.containers);
}

} // namespace aic::proto
