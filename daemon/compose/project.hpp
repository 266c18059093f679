#pragma once

#include "compose/loader.hpp"
#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aic::compose {

/// Typed view of a loaded project: the fields aicd plans and acts on. Built from the canonical
/// tree (`LoadedProject::model`), which stays the source for `aic config` and for everything a
/// container needs that is only passed through to the engine.

struct PortMapping {
  std::string host_ip; ///< "" binds every address
  int target = 0;
  std::string published; ///< "" when not published; "8000" or a range "8000-8010"
  std::string protocol = "tcp";
};

struct Mount {
  std::string type; ///< bind, volume, tmpfs, image, npipe, cluster
  std::string source;
  std::string target;
  bool read_only = false;
  bool create_host_path = false; ///< bind only
};

enum class DependencyCondition : std::uint8_t { Started, Healthy, CompletedSuccessfully };

struct Dependency {
  std::string service;
  DependencyCondition condition = DependencyCondition::Started;
  bool required = true;
  bool restart = false;
};

struct Healthcheck {
  std::vector<std::string> test; ///< ["CMD", …], ["CMD-SHELL", s] or ["NONE"]
  std::optional<std::int64_t> interval_ns;
  std::optional<std::int64_t> timeout_ns;
  std::optional<std::int64_t> start_period_ns;
  std::optional<std::int64_t> start_interval_ns;
  std::optional<int> retries;
};

/// One `deploy.resources.reservations.devices` entry or `gpus` entry (which adds "gpu" to the
/// capabilities, as Compose does when it creates the container).
struct DeviceRequest {
  std::string driver;
  int count = 0; ///< -1 for "all"; 0 when only device_ids are given
  std::vector<std::string> device_ids;
  std::vector<std::string> capabilities;
  std::map<std::string, std::string> options;
};

struct ServiceNetwork {
  std::string key; ///< the top-level networks key
  std::vector<std::string> aliases;
  std::string ipv4_address;
  std::string ipv6_address;
};

struct BuildSpec {
  std::string context;
  std::string dockerfile;
  std::string target;
  std::map<std::string, std::optional<std::string>> args;
};

struct RestartPolicy {
  std::string name = "no"; ///< no, always, on-failure, unless-stopped
  int max_retries = 0;
};

struct ServiceSpec {
  std::string name;
  std::string image; ///< `<project>-<service>` when only `build` is given
  std::optional<BuildSpec> build;
  std::optional<std::vector<std::string>> command;
  std::optional<std::vector<std::string>> entrypoint;
  std::map<std::string, std::optional<std::string>> environment; ///< nullopt: set but no value
  std::map<std::string, std::string> labels;
  std::vector<PortMapping> ports;
  std::vector<std::string> expose;
  std::vector<Mount> mounts;
  std::vector<Dependency> depends_on; ///< sorted by service
  std::optional<Healthcheck> healthcheck;
  RestartPolicy restart;
  std::string container_name;
  int replicas = 1;
  std::vector<std::string> profiles;
  std::vector<ServiceNetwork> networks; ///< sorted by key
  std::string network_mode;
  std::vector<DeviceRequest> devices;
  std::string working_dir;
  std::string user;
  bool tty = false;
  bool stdin_open = false;
  std::string stop_signal;
  std::optional<std::int64_t> stop_grace_period_ns;
};

struct NetworkSpec {
  std::string key;
  std::string name;
  std::string driver;
  bool external = false;
  bool internal = false;
  bool attachable = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> driver_opts;
};

struct NamedVolumeSpec {
  std::string key;
  std::string name;
  std::string driver;
  bool external = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> driver_opts;
};

struct ProjectSpec {
  std::string name;
  std::string working_dir;
  std::vector<std::string> config_files;
  std::vector<ServiceSpec> services; ///< sorted by name
  std::vector<NetworkSpec> networks; ///< sorted by key
  std::vector<NamedVolumeSpec> volumes;

  const ServiceSpec* service(const std::string& name) const;
};

/// Builds the typed view from a loaded project. Fails only on values the loader let through but
/// that cannot be typed (an integer out of range), with the key path in the message.
Result<ProjectSpec> to_project_spec(const LoadedProject& project);

} // namespace aic::compose
