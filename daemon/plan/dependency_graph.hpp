#pragma once

#include "compose/project.hpp"

#include <map>
#include <string>
#include <vector>

namespace aic::plan {

/// The services of a project and their `depends_on` edges. Dependencies on services that are
/// not in the project (disabled by a profile, `required: false`) are left out; the loader has
/// already refused cycles and missing required dependencies.
class DependencyGraph {
public:
  explicit DependencyGraph(const compose::ProjectSpec& project);

  const std::vector<std::string>& services() const { return services_; }
  /// The services `service` depends on, sorted.
  const std::vector<std::string>& dependencies_of(const std::string& service) const;
  /// The services that depend on `service`, sorted.
  const std::vector<std::string>& dependents_of(const std::string& service) const;
  /// Every service after all of its dependencies; ties broken by name.
  std::vector<std::string> start_order() const;
  /// `selected` and everything they depend on, transitively, sorted. Unknown names are kept
  /// out (the caller validates them).
  std::vector<std::string> with_dependencies(const std::vector<std::string>& selected) const;

private:
  std::vector<std::string> services_;
  std::map<std::string, std::vector<std::string>> dependencies_;
  std::map<std::string, std::vector<std::string>> dependents_;
};

} // namespace aic::plan
