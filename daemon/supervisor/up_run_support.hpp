#pragma once

// Small helpers shared by the translation units of UpRun (up_run*.cpp); not an interface.

#include "compose/loader.hpp"
#include "engine/container_types.hpp"
#include "plan/naming.hpp"

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace aic::supervisor::up_detail {

/// The output of the newest health probe, without its trailing newlines.
inline std::string last_health_output(const engine::ContainerState& state) {
  if (!state.health || state.health->log.empty()) {
    return {};
  }
  std::string out = state.health->log.back().output;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) {
    out.pop_back();
  }
  return out;
}

inline const compose::Node* service_node(const compose::LoadedProject& loaded,
                                         const std::string& name) {
  const compose::Node* services = loaded.model.find("services");
  return services ? services->find(name) : nullptr;
}

/// The services a service's container names at creation, so that they must exist first:
/// links, `service:X` namespaces (network_mode, ipc, pid, uts, cgroup) and volumes_from.
std::set<std::string> create_time_targets(const compose::Node& service);

} // namespace aic::supervisor::up_detail
