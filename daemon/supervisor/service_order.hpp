#pragma once

// The order of a project's services read back from the engine's labels (no compose files
// needed): the `com.docker.compose.depends_on` label of each service's containers.

#include <map>
#include <string>
#include <vector>

namespace aic::supervisor {

/// One entry of a depends_on label: "db:service_healthy:true", the last field being
/// depends_on.restart (as Compose writes it). The label does not carry `required`.
struct LabelDependency {
  std::string service;
  std::string condition; ///< service_started, service_healthy, service_completed_successfully
  bool restart = false;
  bool required = true;
};

/// The entries of a `com.docker.compose.depends_on` label ("db:service_healthy:true,…").
std::vector<LabelDependency> label_dependencies(const std::string& label);

/// The services named in a depends_on label.
std::vector<std::string> depends_on_services(const std::string& label);

/// Removal waves: a service comes only after every service that depends on it. Dependencies
/// outside the map are ignored; a cycle (hand-edited labels) ends in one last wave.
std::vector<std::vector<std::string>>
removal_waves(const std::map<std::string, std::vector<std::string>>& depends_on);

/// Start waves: removal_waves reversed, dependencies first.
std::vector<std::vector<std::string>>
start_waves(const std::map<std::string, std::vector<std::string>>& depends_on);

} // namespace aic::supervisor
