#pragma once

#include "compose/node.hpp"
#include "core/result.hpp"
#include "engine/container_types.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::plan {

/// Names the planner decided for one container.
struct ContainerContext {
  std::string project;        ///< project name
  std::string service;        ///< service key
  int number = 1;             ///< replica number (com.docker.compose.container-number)
  std::string container_name; ///< the final name (<project>-<service>-<n> or container_name)
  /// network key -> engine network name; a key not here falls back to the model's `name`.
  std::map<std::string, std::string> network_names;
  /// volume key -> engine volume name; a key not here falls back to the model's `name`.
  std::map<std::string, std::string> volume_names;
  /// service -> a container name or ID, for network_mode/ipc/pid "service:X" and volumes_from.
  std::map<std::string, std::string> service_containers;
  /// Negotiated engine API 1.NN. Every network goes into ContainerCreate::networks whatever the
  /// version (the engine client sends only networks[0] below 1.44 and the caller connects the
  /// rest); the version only gates `interface_name` (1.49).
  int api_minor = 41;
  /// Host paths no bind mount may expose: a bind of one of them, or of a directory above one,
  /// is refused (aicd puts the Docker engine's socket and its own here). Compared after lexical
  /// normalisation ("/var//run/." is "/var/run"); symbolic links are not followed.
  std::vector<std::string> guarded_paths;
};

/// The guarded path that binding `source` (an absolute host path) would expose, if any.
std::optional<std::string> exposed_guarded_path(std::string_view source,
                                                const std::vector<std::string>& guarded);

/// The refusal of a bind of `source` that exposes `exposed`.
std::string guarded_bind_message(std::string_view source, std::string_view exposed);

/// Every service setting aic does not turn into engine configuration, one line each, as
/// "services.<svc>.<key>: not supported by aic" (nested paths such as
/// "services.<svc>.volumes[0].volume.subpath" where only part of a key is unsupported), in file
/// order; empty when everything is supported. Keys the planner handles (build, depends_on, scale,
/// profiles, pull_policy, deploy.replicas, x-*) and keys Compose itself ignores (Swarm-only deploy
/// keys, restart_policy delay/window) are never listed. Takes the whole model because secrets and
/// configs are judged by their top-level source.
std::vector<std::string> unsupported_keys(const compose::Node& model,
                                          std::string_view service_name);

/// The create request for one container of `service_name`, as `docker compose` v2 builds it
/// (getCreateConfigs). Labels: only the service's own `labels:` (the planner adds
/// com.docker.compose.* / io.aic.*). Fails with InvalidSpec naming the key path for values the
/// engine cannot take (a malformed IP, MAC or port, a secret with an environment source…), and with
/// NotFound when the service or a container it shares a namespace or volumes with is unknown.
/// Other settings unsupported_keys reports are left out, not refused: check that first.
Result<engine::ContainerCreate> container_create(const compose::Node& model,
                                                 std::string_view service_name,
                                                 const ContainerContext& ctx);

} // namespace aic::plan
