#include "health/supervision.hpp"

#include "compose/units.hpp"

#include <algorithm>

namespace aic::health {
namespace {

/// How long containers started while aicd was blind stay subject to ordering: long enough for
/// slow dependencies to turn healthy, bounded so an old blind spot never bounces anything later.
constexpr std::chrono::minutes kRecoveryDeadline{10};

std::string describe(Duration d) {
  return compose::format_duration(d.count());
}

} // namespace

std::string_view reason_name(Reason reason) {
  switch (reason) {
  case Reason::Unhealthy:
    return "unhealthy";
  case Reason::Dependency:
    return "dependency";
  case Reason::Order:
    return "order";
  case Reason::Exited:
    return "exited";
  }
  return "unknown";
}

void ProjectSupervision::set_rules(std::vector<ServiceRules> rules) {
  rules_.clear();
  for (auto& r : rules) {
    std::string name = r.service;
    rules_[name] = std::move(r);
  }
}

const ServiceRules* ProjectSupervision::rules_of(const std::string& service) const {
  auto it = rules_.find(service);
  return it == rules_.end() ? nullptr : &it->second;
}

void ProjectSupervision::observe(ContainerView view, Time now, bool operation_running) {
  (void)now;
  auto it = containers_.find(view.id);
  if (it != containers_.end()) {
    const ContainerView& before = it->second;
    if (view.running && view.started_at != before.started_at && in_flight_.count(view.id) == 0 &&
        !operation_running) {
      Notice notice;
      notice.kind = Notice::Kind::ObservedRestart;
      notice.action = RestartAction{view.id,
                                    view.name,
                                    view.service,
                                    Reason::Exited,
                                    0,
                                    "exit code " + std::to_string(before.exit_code),
                                    now};
      notice.message = view.name + " started again after it exited with code " +
                       std::to_string(before.exit_code) + " (the engine's restart policy)";
      notices_.push_back(std::move(notice));
    }
    // The first time a start turned healthy is when it became ready: a later flicker to
    // unhealthy and back does not move it (the container did not restart).
    if (view.started_at == before.started_at && before.healthy_at) {
      view.healthy_at = before.healthy_at;
    }
  }
  if (view.health != "healthy" && view.started_at != Time{} &&
      (it == containers_.end() || it->second.started_at != view.started_at)) {
    view.healthy_at.reset();
  }
  if (view.healthy_at && *view.healthy_at < view.started_at) {
    view.healthy_at.reset(); // a report about an earlier start
  }
  // Continuous health, for the budget reset: restarts and flickers start the clock again.
  bool same_start = it != containers_.end() && it->second.started_at == view.started_at;
  bool was_healthy = same_start && it->second.health == "healthy";
  bool first_since_start = !same_start || !it->second.healthy_at;
  if (view.health != "healthy") {
    healthy_since_.erase(view.id);
  } else if (!was_healthy || healthy_since_.count(view.id) == 0) {
    healthy_since_[view.id] = first_since_start && view.healthy_at ? *view.healthy_at : now;
  }
  containers_[view.id] = std::move(view);
}

void ProjectSupervision::forget(const std::string& container_id) {
  containers_.erase(container_id);
  healthy_since_.erase(container_id);
  bounced_for_.erase(container_id);
  causes_.erase(container_id);
  retry_.erase(container_id);
  if (auto it = pending_.find(container_id); it != pending_.end()) {
    notices_.push_back(Notice{Notice::Kind::Cancelled, it->second,
                              it->second.container + " was removed; its restart is dropped"});
    pending_.erase(it);
  }
}

void ProjectSupervision::recover(Time blind_since, Time now, std::chrono::nanoseconds settle) {
  recover_from_ = blind_since;
  recover_until_ = now + settle;
}

bool ProjectSupervision::recovering(const ContainerView& c, Time now) const {
  return recover_until_ != Time{} && c.started_at > recover_from_ &&
         c.started_at <= recover_until_ && now < recover_until_ + kRecoveryDeadline;
}

bool ProjectSupervision::busy(const std::string& container_id) const {
  return pending_.count(container_id) != 0 || in_flight_.count(container_id) != 0;
}

bool ProjectSupervision::backing_off(const std::string& container_id, Time now) const {
  auto it = retry_.find(container_id);
  return it != retry_.end() && now < it->second.not_before;
}

bool ProjectSupervision::dependency_settling(const ServiceRules& rules) const {
  for (const auto& dep : rules.depends_on) {
    for (const auto& [id, d] : containers_) {
      if (d.service == dep.service && (busy(id) || (d.running && d.health == "starting"))) {
        return true;
      }
    }
  }
  return false;
}

void ProjectSupervision::expire(Budget& budget, const RestartOnUnhealthy& policy, Time now) const {
  while (!budget.attempts.empty() && budget.attempts.front() + policy.window <= now) {
    budget.attempts.pop_front();
  }
}

std::vector<std::string> ProjectSupervision::service_order() const {
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (placed.size() < rules_.size()) {
    bool progress = false;
    for (const auto& [name, rules] : rules_) {
      if (placed.count(name) != 0) {
        continue;
      }
      bool deps_placed = std::all_of(
          rules.depends_on.begin(), rules.depends_on.end(), [&](const DependencyRule& d) {
            return placed.count(d.service) != 0 || rules_.count(d.service) == 0;
          });
      if (deps_placed) {
        order.push_back(name);
        placed.insert(name);
        progress = true;
      }
    }
    if (!progress) { // a cycle: the rest in name order
      for (const auto& [name, rules] : rules_) {
        if (placed.insert(name).second) {
          order.push_back(name);
        }
      }
    }
  }
  return order;
}

void ProjectSupervision::evaluate_health(Time now, double jitter) {
  // Dependencies first, so a dependent sees that its dependency's restart is already planned.
  std::vector<const ContainerView*> ordered;
  for (const std::string& service : service_order()) {
    for (const auto& [id, c] : containers_) {
      if (c.service == service) {
        ordered.push_back(&c);
      }
    }
  }
  for (const auto& [id, c] : containers_) {
    if (rules_.count(c.service) == 0) {
      ordered.push_back(&c);
    }
  }
  for (const ContainerView* view : ordered) {
    const ContainerView& c = *view;
    const std::string& id = c.id;
    const ServiceRules* rules = rules_of(c.service);
    auto pending = pending_.find(id);
    bool unhealthy = c.running && c.health == "unhealthy";
    if (pending != pending_.end() && pending->second.reason == Reason::Unhealthy) {
      if (!unhealthy || !rules || !rules->policy.enabled) {
        std::string why = !c.running ? " stopped" : " is no longer unhealthy";
        notices_.push_back(Notice{Notice::Kind::Cancelled, pending->second,
                                  c.name + why + "; its restart is dropped"});
        pending_.erase(pending);
      }
      continue;
    }
    if (!unhealthy || !rules || !rules->policy.enabled || busy(id) || backing_off(id, now)) {
      continue;
    }
    // A dependency being restarted, or still starting, is likely why this one is unhealthy:
    // wait for it rather than spend a restart (a restart: true dependent is bounced anyway).
    if (dependency_settling(*rules)) {
      continue;
    }
    const RestartOnUnhealthy& policy = rules->policy;
    if (now < c.started_at + policy.grace) {
      continue;
    }
    Budget& budget = budgets_[c.service];
    expire(budget, policy, now);
    if (budget.failed) {
      continue;
    }
    int attempt = static_cast<int>(budget.attempts.size()) + 1;
    RestartAction action{id, c.name, c.service, Reason::Unhealthy, attempt, c.health_output, now};
    if (attempt > policy.max_attempts) {
      budget.failed = true;
      action.attempt = policy.max_attempts;
      notices_.push_back(Notice{Notice::Kind::GaveUp, action,
                                c.service + " is still unhealthy after " +
                                    std::to_string(policy.max_attempts) + " restarts within " +
                                    describe(policy.window) +
                                    "; marked failed, aicd stops restarting it"});
      continue;
    }
    Duration delay = restart_delay(policy, attempt, jitter);
    action.due = now + delay;
    pending_[id] = action;
    notices_.push_back(Notice{Notice::Kind::Scheduled, action,
                              c.name + " is unhealthy; restart " + std::to_string(attempt) + "/" +
                                  std::to_string(policy.max_attempts) +
                                  (delay.count() > 0 ? " in " + describe(delay) : "")});
  }
  // A service healthy for reset_after gets its whole budget back.
  for (auto& [service, budget] : budgets_) {
    const ServiceRules* rules = rules_of(service);
    if (!rules || (budget.attempts.empty() && !budget.failed)) {
      continue;
    }
    bool any = false;
    bool all_healthy_long = true;
    for (const auto& [id, c] : containers_) {
      if (c.service != service) {
        continue;
      }
      any = true;
      auto known = healthy_since_.find(id);
      Time since = known != healthy_since_.end() ? known->second : now;
      if (!c.running || c.health != "healthy" || now < since + rules->policy.reset_after) {
        all_healthy_long = false;
      }
    }
    if (any && all_healthy_long) {
      budget.attempts.clear();
      budget.failed = false;
      RestartAction about;
      about.service = service;
      about.due = now;
      notices_.push_back(Notice{Notice::Kind::BudgetReset, about,
                                service + " has been healthy for " +
                                    describe(rules->policy.reset_after) +
                                    "; its restart budget is reset"});
    }
  }
}

bool ProjectSupervision::started_too_early(const ContainerView& c, const DependencyRule& dep,
                                           bool is_recovering,
                                           const std::set<std::string>& unsettled, bool& ready,
                                           Time& cause) const {
  bool early = false;
  ready = true;
  for (const auto& [id, d] : containers_) {
    if (d.service != dep.service) {
      continue;
    }
    bool d_ready =
        d.running && !busy(id) && unsettled.count(id) == 0 &&
        (dep.condition != Condition::Healthy || d.health.empty() || d.health == "healthy");
    Time ready_time =
        dep.condition == Condition::Healthy && d.healthy_at ? *d.healthy_at : d.started_at;
    auto done = bounced_for_.find(c.id);
    bool already = done != bounced_for_.end() && ready_time <= done->second;
    if ((dep.restart || is_recovering) && d.running && c.started_at < ready_time && !already) {
      early = true;
      cause = std::max(cause, ready_time);
    }
    if (!d_ready) {
      ready = false;
    }
  }
  return early;
}

void ProjectSupervision::evaluate_order(Time now) {
  std::set<std::string> unsettled; // containers waiting to be bounced: not ready for others
  for (const std::string& service : service_order()) {
    const ServiceRules& rules = rules_.at(service);
    for (const auto& [id, c] : containers_) {
      if (c.service != service || !c.running) {
        continue;
      }
      if (busy(id) || backing_off(id, now)) {
        continue;
      }
      bool is_recovering = recovering(c, now);
      Time cause{};
      bool early = false;
      bool all_ready = true;
      std::vector<std::string> causes;
      for (const auto& dep : rules.depends_on) {
        if (dep.condition == Condition::CompletedSuccessfully) {
          continue;
        }
        bool ready = true;
        if (started_too_early(c, dep, is_recovering, unsettled, ready, cause)) {
          early = true;
          causes.push_back(dep.service);
        }
        all_ready = all_ready && ready;
      }
      if (!early) {
        continue;
      }
      if (!all_ready) {
        unsettled.insert(id);
        continue;
      }
      std::string list;
      for (const auto& s : causes) {
        list += (list.empty() ? "" : ", ") + s;
      }
      Reason reason = is_recovering ? Reason::Order : Reason::Dependency;
      RestartAction action{
          id,
          c.name,
          c.service,
          reason,
          0,
          reason == Reason::Order ? "started before " + list + " was ready" : list + " restarted",
          now};
      pending_[id] = action;
      causes_[id] = cause;
      notices_.push_back(Notice{Notice::Kind::Scheduled, action,
                                c.name + ": " + action.detail + "; restarting it"});
    }
  }
}

std::vector<RestartAction> ProjectSupervision::take_due(Time now, double jitter) {
  evaluate_health(now, jitter);
  evaluate_order(now);
  std::vector<RestartAction> due;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.due > now) {
      ++it;
      continue;
    }
    RestartAction action = it->second;
    if (action.reason == Reason::Unhealthy) {
      budgets_[action.service].attempts.push_back(now);
    } else if (auto cause = causes_.find(action.container_id); cause != causes_.end()) {
      // Bounced for this readiness of its dependencies: not again for the same one.
      bounced_for_[action.container_id] = cause->second;
      causes_.erase(cause);
    }
    in_flight_.insert(action.container_id);
    due.push_back(std::move(action));
    it = pending_.erase(it);
  }
  return due;
}

std::optional<Time> ProjectSupervision::next_wakeup(Time now) const {
  std::optional<Time> next;
  auto consider = [&](Time t) {
    if (t > now && (!next || t < *next)) {
      next = t;
    }
  };
  for (const auto& [id, action] : pending_) {
    consider(action.due);
  }
  for (const auto& [id, retry] : retry_) {
    consider(retry.not_before);
  }
  for (const auto& [id, c] : containers_) {
    const ServiceRules* rules = rules_of(c.service);
    if (!rules) {
      continue;
    }
    if (c.running && c.health == "unhealthy") {
      consider(c.started_at + rules->policy.grace);
    }
    auto budget = budgets_.find(c.service);
    if (budget != budgets_.end() && (!budget->second.attempts.empty() || budget->second.failed) &&
        c.health == "healthy") {
      auto known = healthy_since_.find(id);
      consider((known != healthy_since_.end() ? known->second : now) + rules->policy.reset_after);
    }
  }
  return next;
}

void ProjectSupervision::finished(const RestartAction& action, bool ok, Time now) {
  in_flight_.erase(action.container_id);
  if (ok || action.reason == Reason::Unhealthy) {
    // A failed unhealthy restart counts against the budget, whose backoff spaces the next.
    retry_.erase(action.container_id);
    return;
  }
  // A failed bounce is retried after a backoff of its own (1 s doubling to 1 min), so an engine
  // that keeps failing is not hammered; it may be tried again for the same cause.
  Retry& retry = retry_[action.container_id];
  retry.failures = std::min(retry.failures + 1, 16);
  Duration delay = std::min<Duration>(std::chrono::seconds(1) * (1 << (retry.failures - 1)),
                                      std::chrono::minutes(1));
  retry.not_before = now + delay;
  bounced_for_.erase(action.container_id);
}

std::vector<Notice> ProjectSupervision::take_notices() {
  std::vector<Notice> out;
  out.swap(notices_);
  return out;
}

void ProjectSupervision::restore(const std::string& service, std::vector<Time> times, bool failed) {
  std::sort(times.begin(), times.end());
  Budget& budget = budgets_[service];
  budget.attempts.assign(times.begin(), times.end());
  budget.failed = failed;
}

std::map<std::string, ProjectSupervision::BudgetSnapshot> ProjectSupervision::budgets() const {
  std::map<std::string, BudgetSnapshot> out;
  for (const auto& [service, budget] : budgets_) {
    if (!budget.attempts.empty() || budget.failed) {
      out[service] =
          BudgetSnapshot{{budget.attempts.begin(), budget.attempts.end()}, budget.failed};
    }
  }
  return out;
}

std::vector<ServiceState> ProjectSupervision::states(Time now) const {
  std::vector<ServiceState> out;
  for (const auto& [service, rules] : rules_) {
    ServiceState state;
    state.service = service;
    state.supervised = rules.policy.enabled;
    if (auto b = budgets_.find(service); b != budgets_.end()) {
      state.failed = b->second.failed;
      state.attempts_in_window =
          static_cast<int>(std::count_if(b->second.attempts.begin(), b->second.attempts.end(),
                                         [&](Time t) { return t + rules.policy.window > now; }));
    }
    for (const auto& [id, action] : pending_) {
      if (action.service == service && (!state.next_restart || action.due < *state.next_restart)) {
        state.next_restart = action.due;
      }
    }
    out.push_back(std::move(state));
  }
  return out;
}

} // namespace aic::health
