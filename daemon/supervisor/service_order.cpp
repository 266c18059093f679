#include "supervisor/service_order.hpp"

#include <algorithm>
#include <set>

namespace aic::supervisor {

std::vector<LabelDependency> label_dependencies(const std::string& label) {
  std::vector<LabelDependency> out;
  std::size_t start = 0;
  while (start < label.size()) {
    std::size_t comma = label.find(',', start);
    std::string item = label.substr(start, comma - start);
    LabelDependency dep;
    std::size_t colon = item.find(':');
    dep.service = item.substr(0, colon);
    if (colon != std::string::npos) {
      std::size_t second = item.find(':', colon + 1);
      dep.condition = item.substr(colon + 1, second == std::string::npos ? std::string::npos
                                                                         : second - colon - 1);
      dep.restart = second != std::string::npos && item.substr(second + 1) == "true";
    }
    if (dep.condition.empty()) {
      dep.condition = "service_started";
    }
    if (!dep.service.empty()) {
      out.push_back(std::move(dep));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> depends_on_services(const std::string& label) {
  std::vector<std::string> out;
  for (auto& d : label_dependencies(label)) {
    out.push_back(std::move(d.service));
  }
  return out;
}

std::vector<std::vector<std::string>>
removal_waves(const std::map<std::string, std::vector<std::string>>& depends_on) {
  std::map<std::string, std::set<std::string>> dependents;
  for (const auto& [service, deps] : depends_on) {
    dependents[service];
    for (const auto& d : deps) {
      if (depends_on.count(d) != 0 && d != service) {
        dependents[d].insert(service);
      }
    }
  }
  std::vector<std::vector<std::string>> waves;
  std::set<std::string> removed;
  while (removed.size() < dependents.size()) {
    std::vector<std::string> wave;
    for (const auto& [service, users] : dependents) {
      if (removed.count(service) != 0) {
        continue;
      }
      bool free = std::all_of(users.begin(), users.end(),
                              [&](const std::string& u) { return removed.count(u) != 0; });
      if (free) {
        wave.push_back(service);
      }
    }
    if (wave.empty()) { // a cycle in hand-edited labels: remove the rest together
      for (const auto& [service, users] : dependents) {
        if (removed.count(service) == 0) {
          wave.push_back(service);
        }
      }
    }
    removed.insert(wave.begin(), wave.end());
    waves.push_back(std::move(wave));
  }
  return waves;
}

std::vector<std::vector<std::string>>
start_waves(const std::map<std::string, std::vector<std::string>>& depends_on) {
  std::vector<std::vector<std::string>> waves = removal_waves(depends_on);
  std::reverse(waves.begin(), waves.end());
  return waves;
}

} // namespace aic::supervisor
