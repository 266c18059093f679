#pragma once

// The wire types of `aic exec` and `aic run` (POST /v1/projects/{name}/exec and /run).

#include "proto/project_types.hpp"

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace aic::proto {

/// POST /v1/projects/{name}/exec: a command in a running service container.
struct ExecRequest {
  std::string service;
  int index = 1;                    ///< replica number (com.docker.compose.container-number)
  std::vector<std::string> command; ///< not empty
  bool tty = false;
  bool stdin = false; ///< attach standard input
  bool detach = false;
  std::string user;
  std::string workdir;
  std::vector<std::string> env; ///< "K=V"
  bool privileged = false;

  bool operator==(const ExecRequest&) const = default;
};

/// POST /v1/projects/{name}/run: a one-off container of a service, as `docker compose run`.
struct RunRequest {
  std::string service;
  std::optional<std::vector<std::string>> command;    ///< nullopt: the service's
  std::optional<std::vector<std::string>> entrypoint; ///< nullopt: the service's
  std::vector<std::string> env;                       ///< "K=V", over the service's
  std::string user;
  std::string workdir;
  std::vector<std::string> volumes; ///< "src:dst[:ro]", src absolute or a volume name
  std::vector<std::string> publish; ///< "[ip:]host:container[/proto]"
  bool service_ports = false;       ///< publish the service's own ports
  bool rm = false;                  ///< remove the container once it exits (AutoRemove)
  bool no_deps = false;
  bool tty = false;
  bool stdin = false;
  bool detach = false;
  std::string name; ///< "" = <project>-<service>-run-<12 hex>
  ComposeInputs inputs;

  bool operator==(const RunRequest&) const = default;
};

void to_json(nlohmann::json& j, const ExecRequest& v);
void from_json(const nlohmann::json& j, ExecRequest& v);
void to_json(nlohmann::json& j, const RunRequest& v);
void from_json(const nlohmann::json& j, RunRequest& v);

} // namespace aic::proto
