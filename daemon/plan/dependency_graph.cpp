#include "plan/dependency_graph.hpp"

#include <algorithm>
#include <set>

namespace aic::plan {
namespace {
const std::vector<std::string> kNone;
} // namespace

DependencyGraph::DependencyGraph(const compose::ProjectSpec& project) {
  std::set<std::string> names;
  for (const auto& s : project.services) {
    names.insert(s.name);
  }
  services_.assign(names.begin(), names.end());
  for (const auto& s : project.services) {
    auto& deps = dependencies_[s.name];
    for (const auto& d : s.depends_on) {
      if (names.count(d.service) != 0 && d.service != s.name) {
        deps.push_back(d.service);
        dependents_[d.service].push_back(s.name);
      }
    }
    std::sort(deps.begin(), deps.end());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
  }
  for (auto& [name, list] : dependents_) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
}

const std::vector<std::string>& DependencyGraph::dependencies_of(const std::string& service) const {
  auto it = dependencies_.find(service);
  return it == dependencies_.end() ? kNone : it->second;
}

const std::vector<std::string>& DependencyGraph::dependents_of(const std::string& service) const {
  auto it = dependents_.find(service);
  return it == dependents_.end() ? kNone : it->second;
}

std::vector<std::string> DependencyGraph::start_order() const {
  // Kahn's algorithm with a sorted ready set, so the order is deterministic.
  std::map<std::string, std::size_t> waiting;
  std::set<std::string> ready;
  for (const auto& s : services_) {
    waiting[s] = dependencies_of(s).size();
    if (waiting[s] == 0) {
      ready.insert(s);
    }
  }
  std::vector<std::string> order;
  while (!ready.empty()) {
    std::string next = *ready.begin();
    ready.erase(ready.begin());
    order.push_back(next);
    for (const auto& d : dependents_of(next)) {
      if (--waiting[d] == 0) {
        ready.insert(d);
      }
    }
  }
  // A cycle (refused by the loader) would leave services out; append them so nothing is lost.
  for (const auto& s : services_) {
    if (std::find(order.begin(), order.end(), s) == order.end()) {
      order.push_back(s);
    }
  }
  return order;
}

std::vector<std::string>
DependencyGraph::with_dependencies(const std::vector<std::string>& selected) const {
  std::set<std::string> seen;
  std::vector<std::string> stack;
  for (const auto& s : selected) {
    if (std::binary_search(services_.begin(), services_.end(), s)) {
      stack.push_back(s);
    }
  }
  while (!stack.empty()) {
    std::string s = stack.back();
    stack.pop_back();
    if (!seen.insert(s).second) {
      continue;
    }
    for (const auto& d : dependencies_of(s)) {
      stack.push_back(d);
    }
  }
  return {seen.begin(), seen.end()};
}

} // namespace aic::plan
