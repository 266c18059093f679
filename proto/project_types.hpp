#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace aic::proto {

/// What `aic` sends so that aicd loads the project exactly as the CLI did: the resolved compose
/// file list, the content of every file the loader read (compose files, includes, extends,
/// .env and env files), and of the caller's environment only the variables those files
/// reference (plus COMPOSE_*), never the rest.
struct ComposeInputs {
  std::vector<std::string> config_files;    ///< absolute paths, in merge order
  std::map<std::string, std::string> files; ///< absolute path -> content
  std::string working_dir;                  ///< the caller's working directory
  std::optional<std::string> project_directory;
  std::optional<std::string> project_name; ///< the name the CLI resolved
  std::vector<std::string> env_files;      ///< --env-file, absolute
  std::vector<std::string> profiles;       ///< --profile
  std::vector<std::string> services;       ///< services named on the command line
  std::map<std::string, std::string> environment;

  bool operator==(const ComposeInputs&) const = default;
};

/// `aic up` flags that change what aicd does (not how the CLI shows it).
struct UpOptions {
  std::vector<std::string> services; ///< [] = every enabled service
  std::string build;                 ///< "" (build missing images), "always" (--build), "never"
  std::string pull;                  ///< "" (the pull_policy), "always", "missing", "never"
  bool force_recreate = false;
  bool no_recreate = false;
  bool no_deps = false;
  bool remove_orphans = false;
  bool no_start = false;
  bool wait = false;
  int wait_timeout_s = 0;       ///< 0 = no limit
  std::optional<int> timeout_s; ///< stop timeout for recreated and removed containers
  std::map<std::string, int> scale;

  bool operator==(const UpOptions&) const = default;
};

struct UpRequest {
  ComposeInputs inputs;
  UpOptions options;

  bool operator==(const UpRequest&) const = default;
};

struct DownOptions {
  bool volumes = false;
  std::string rmi; ///< "", "local" or "all"
  bool remove_orphans = false;
  std::optional<int> timeout_s;

  bool operator==(const DownOptions&) const = default;
};

/// One line of a long operation's progress stream.
struct ProgressEvent {
  std::string kind;           ///< container, network, volume, image, service, project
  std::string name;           ///< "demo-web-1", "demo_default", …
  std::string status;         ///< Creating, Created, Starting, Started, Waiting, Healthy, …
  std::string detail;         ///< health output, exit code, pull progress, …
  std::string level = "info"; ///< info, warning or error

  bool operator==(const ProgressEvent&) const = default;
};

/// One port of a container, as `docker compose ps --format json` lists it.
struct Publisher {
  std::string url;        ///< host address; "" when not published
  int target_port = 0;    ///< the container port
  int published_port = 0; ///< 0 when not published
  std::string protocol;   ///< tcp, udp or sctp

  bool operator==(const Publisher&) const = default;
};

struct ContainerStatus {
  std::string id;
  std::string name;
  std::string service;
  int number = 0;
  std::string image;
  std::string state;  ///< created, running, exited, …
  std::string health; ///< "", starting, healthy, unhealthy
  std::string status; ///< the engine's "Up 3 seconds (healthy)"
  int exit_code = 0;
  std::int64_t created = 0;       ///< unix seconds
  std::vector<std::string> ports; ///< "127.0.0.1:8080->80/tcp"
  std::string command;            ///< the engine's quoted command line
  std::vector<Publisher> publishers;
  std::map<std::string, std::string> labels;
  /// Restarts aicd recorded for this container (by the name): its own (unhealthy, dependency,
  /// order) and those of the engine's restart policy it saw.
  int restarts = 0;

  bool operator==(const ContainerStatus&) const = default;
};

/// One restart aicd made or saw (docs/supervision.md).
struct RestartRecord {
  std::int64_t time_ns = 0; ///< unix nanoseconds; on the wire "time", RFC 3339 UTC
  std::string service;
  std::string container;
  std::string reason; ///< unhealthy, dependency, order, exited
  int attempt = 0;    ///< unhealthy restarts: the attempt within the window
  std::string detail; ///< the failing probe's output, the dependency, the exit code
  std::string error;  ///< why the restart call failed; "" when it worked

  bool operator==(const RestartRecord&) const = default;
};

/// How aicd supervises one service.
struct ServiceSupervision {
  std::string service;
  bool restart_on_unhealthy = false; ///< the policy is enabled
  std::string state;                 ///< ok, backoff (a restart is waiting), failed
  int restarts = 0;                  ///< recorded restarts of its containers, all reasons
  int attempts_in_window = 0;        ///< unhealthy restarts counted against the budget
  int max_attempts = 0;
  std::int64_t next_restart_ns = 0;  ///< when state is backoff; 0 otherwise
  std::vector<RestartRecord> recent; ///< the latest restarts, oldest first (at most 10)

  bool operator==(const ServiceSupervision&) const = default;
};

struct ProjectStatus {
  std::string name;
  std::string status; ///< "running(2), exited(1)", as `docker compose ls` prints it
  std::string working_dir;
  std::vector<std::string> config_files;
  std::vector<ContainerStatus> containers; ///< sorted by service, then number
  /// One entry per service when aicd supervises the project (it ran its `up`), by name.
  std::vector<ServiceSupervision> supervision;

  bool operator==(const ProjectStatus&) const = default;
};

void to_json(nlohmann::json& j, const ComposeInputs& v);
void from_json(const nlohmann::json& j, ComposeInputs& v);
void to_json(nlohmann::json& j, const UpOptions& v);
void from_json(const nlohmann::json& j, UpOptions& v);
void to_json(nlohmann::json& j, const UpRequest& v);
void from_json(const nlohmann::json& j, UpRequest& v);
void to_json(nlohmann::json& j, const DownOptions& v);
void from_json(const nlohmann::json& j, DownOptions& v);
void to_json(nlohmann::json& j, const ProgressEvent& v);
void from_json(const nlohmann::json& j, ProgressEvent& v);
void to_json(nlohmann::json& j, const RestartRecord& v);
void from_json(const nlohmann::json& j, RestartRecord& v);
void to_json(nlohmann::json& j, const ServiceSupervision& v);
void from_json(const nlohmann::json& j, ServiceSupervision& v);
void to_json(nlohmann::json& j, const ContainerStatus& v);
void from_json(const nlohmann::json& j, ContainerStatus& v);
void to_json(nlohmann::json& j, const ProjectStatus& v);
void from_json(const nlohmann::json& j, ProjectStatus& v);

} // namespace aic::proto
