#include "plan/reconcile.hpp"

#include <algorithm>

namespace aic::plan {
namespace {

// Lower is better: the container to keep when two share a number.
int preference(const ObservedContainer& c, const std::string& hash) {
  int score = c.config_hash == hash ? 0 : 2;
  if (c.state != "running") {
    score += 1;
  }
  return score;
}

ServicePlan plan_service(const ServiceTarget& target, std::vector<ObservedContainer> mine,
                         const ReconcileOptions& options) {
  ServicePlan plan{.service = target.service};
  std::sort(mine.begin(), mine.end(), [&](const auto& a, const auto& b) {
    if (a.number != b.number) {
      return a.number < b.number;
    }
    int pa = preference(a, target.config_hash);
    int pb = preference(b, target.config_hash);
    return pa != pb ? pa < pb : a.name < b.name;
  });

  std::vector<ContainerStep> removals;
  std::vector<const ObservedContainer*> kept;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (i > 0 && mine[i].number == mine[i - 1].number) {
      removals.push_back({StepAction::Remove, mine[i].number, mine[i].id, mine[i].name,
                          "duplicate of replica " + std::to_string(mine[i].number)});
    } else {
      kept.push_back(&mine[i]);
    }
  }
  // Scale down from the highest numbers.
  int replicas = std::max(target.replicas, 0);
  while (static_cast<int>(kept.size()) > replicas) {
    const ObservedContainer* c = kept.back();
    kept.pop_back();
    removals.push_back({StepAction::Remove, c->number, c->id, c->name, "scaled down"});
  }

  std::set<int> used;
  for (const ObservedContainer* c : kept) {
    used.insert(c->number);
    ContainerStep step{StepAction::Keep, c->number, c->id, c->name, ""};
    if (options.force_recreate) {
      step.action = StepAction::Recreate;
      step.reason = "forced";
    } else if (c->config_hash != target.config_hash && !options.no_recreate) {
      step.action = StepAction::Recreate;
      step.reason = "configuration changed";
    } else if (!target.image_id.empty() && !c->image_id.empty() && c->image_id != target.image_id &&
               !options.no_recreate) {
      step.action = StepAction::Recreate;
      step.reason = "image changed";
    }
    plan.steps.push_back(step);
  }
  int next = 1;
  while (static_cast<int>(plan.steps.size()) < replicas) {
    while (used.count(next) != 0) {
      ++next;
    }
    used.insert(next);
    plan.steps.push_back({StepAction::Create, next, "", "", ""});
  }
  std::sort(plan.steps.begin(), plan.steps.end(),
            [](const auto& a, const auto& b) { return a.number < b.number; });
  std::sort(removals.begin(), removals.end(),
            [](const auto& a, const auto& b) { return a.number > b.number; });
  plan.steps.insert(plan.steps.end(), removals.begin(), removals.end());
  return plan;
}

} // namespace

ProjectPlan reconcile(const std::vector<ServiceTarget>& targets,
                      const std::vector<ObservedContainer>& observed,
                      const ReconcileOptions& options) {
  ProjectPlan plan;
  std::map<std::string, std::vector<ObservedContainer>> by_service;
  for (const auto& c : observed) {
    if (c.oneoff) {
      continue;
    }
    if (options.known_services.count(c.service) == 0) {
      plan.orphans.push_back(c);
      continue;
    }
    by_service[c.service].push_back(c);
  }
  for (const auto& t : targets) {
    plan.services.push_back(plan_service(t, by_service[t.service], options));
  }
  std::sort(plan.orphans.begin(), plan.orphans.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return plan;
}

} // namespace aic::plan
