#pragma once

// The decisions of aicd's supervision of one project, without I/O: which container to restart
// and when (unhealthy ones, within a budget, with backoff), which dependents to bounce after a
// dependency restarted (`depends_on.restart: true`), and which containers the engine started out
// of dependency order while aicd was not watching. Time comes in as an argument; the supervisor
// (daemon/supervisor/supervisor.hpp) feeds it what the engine reports and carries out the
// restarts it hands out.

#include "health/policy.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace aic::health {

using Time = std::chrono::system_clock::time_point;

enum class Condition : std::uint8_t { Started, Healthy, CompletedSuccessfully };

struct DependencyRule {
  std::string service;
  Condition condition = Condition::Started;
  bool restart = false; ///< depends_on.<service>.restart
};

struct ServiceRules {
  std::string service;
  RestartOnUnhealthy policy;
  std::vector<DependencyRule> depends_on;
};

/// What aicd last saw of one of the project's service containers.
struct ContainerView {
  std::string id;
  std::string name;
  std::string service;
  bool running = false;
  std::string health; ///< "", starting, healthy, unhealthy
  Time started_at{};
  /// When it turned healthy after started_at, when known.
  std::optional<Time> healthy_at;
  std::string health_output; ///< the latest failing probe's output
  int exit_code = 0;

  bool operator==(const ContainerView&) const = default;
};

/// Why a container was (or is to be) restarted.
enum class Reason : std::uint8_t {
  Unhealthy,  ///< aicd: its healthcheck failed
  Dependency, ///< aicd: a `restart: true` dependency restarted
  Order,      ///< aicd: started before its dependencies were ready while aicd was not watching
  Exited,     ///< the engine's restart policy, after the container exited
};
std::string_view reason_name(Reason reason);

/// A restart for the supervisor to carry out.
struct RestartAction {
  std::string container_id;
  std::string container;
  std::string service;
  Reason reason = Reason::Unhealthy;
  int attempt = 0;    ///< unhealthy restarts: 1-based within the window; else 0
  std::string detail; ///< the failing probe's output, or which dependency
  Time due{};

  bool operator==(const RestartAction&) const = default;
};

/// Something worth telling the user (the event stream, the log), in the order it happened.
struct Notice {
  enum class Kind : std::uint8_t {
    Scheduled,      ///< a restart is planned (action holds it)
    Cancelled,      ///< a planned restart is dropped: healthy again, stopped or gone
    GaveUp,         ///< the budget is spent: the service is marked failed
    BudgetReset,    ///< healthy for reset_after: the count starts again
    ObservedRestart ///< the container started again without aicd (engine policy, docker CLI)
  };
  Kind kind = Kind::Scheduled;
  RestartAction action;
  std::string message;

  bool operator==(const Notice&) const = default;
};

/// One service's supervision state, for status output.
struct ServiceState {
  std::string service;
  bool supervised = false; ///< restart_on_unhealthy is enabled
  bool failed = false;
  int attempts_in_window = 0;
  std::optional<Time> next_restart;
};

class ProjectSupervision {
public:
  /// Replaces the rules (after an `up`); services without rules are not restarted for health.
  void set_rules(std::vector<ServiceRules> rules);

  /// Records what a container looks like now. `operation_running`: a user's operation on the
  /// project is in progress, so a new start is theirs and not reported as an observed restart.
  void observe(ContainerView view, Time now, bool operation_running = false);
  /// The container is gone (destroyed).
  void forget(const std::string& container_id);
  /// Containers whose start falls between `blind_since` and `now + settle` were started while
  /// aicd was not watching (an engine restart, a reboot, aicd down): each is restarted once its
  /// dependencies are ready if it started before they were, whatever depends_on.restart says.
  void recover(Time blind_since, Time now, std::chrono::nanoseconds settle);

  /// The restarts due at `now`, each handed out once; they are in flight until finished().
  /// `jitter` in [0, 1) stretches the backoff of restarts scheduled by this call.
  std::vector<RestartAction> take_due(Time now, double jitter = 0.0);
  /// When take_due() may next have something (a backoff ending, a grace period ending, a budget
  /// to reset); nullopt when nothing is pending.
  std::optional<Time> next_wakeup(Time now) const;
  /// A restart handed out by take_due() ended (ok or not).
  void finished(const RestartAction& action, bool ok, Time now);
  /// The notices since the last call, oldest first.
  std::vector<Notice> take_notices();

  /// Restores the budget after aicd restarts: unhealthy restarts made at `times`, and whether
  /// the service had been marked failed.
  void restore(const std::string& service, std::vector<Time> times, bool failed);

  /// The budgets to keep across aicd restarts (see restore()), by service.
  struct BudgetSnapshot {
    std::vector<Time> attempts;
    bool failed = false;

    bool operator==(const BudgetSnapshot&) const = default;
  };
  std::map<std::string, BudgetSnapshot> budgets() const;

  std::vector<ServiceState> states(Time now) const;
  const std::map<std::string, ContainerView>& containers() const { return containers_; }

private:
  struct Budget {
    std::deque<Time> attempts; ///< unhealthy restarts within the window, oldest first
    bool failed = false;
  };

  const ServiceRules* rules_of(const std::string& service) const;
  void expire(Budget& budget, const RestartOnUnhealthy& policy, Time now) const;
  void evaluate_health(Time now, double jitter);
  void evaluate_order(Time now);
  /// Whether the container must be bounced because it started before `dep` was ready; sets
  /// `ready` to whether every container of `dep` is ready now.
  /// Sets `cause` to the latest ready time of `dep` that `c` started before.
  bool started_too_early(const ContainerView& c, const DependencyRule& dep, bool recovering,
                         const std::set<std::string>& unsettled, bool& ready, Time& cause) const;
  /// A failed restart of the container waits for its retry time.
  bool backing_off(const std::string& container_id, Time now) const;
  /// Whether a dependency of the service is being restarted or is still starting.
  bool dependency_settling(const ServiceRules& rules) const;
  bool recovering(const ContainerView& c, Time now) const;
  /// Service names, dependencies before their dependents (a cycle ends in name order).
  std::vector<std::string> service_order() const;
  bool busy(const std::string& container_id) const;

  std::map<std::string, ServiceRules> rules_;
  std::map<std::string, ContainerView> containers_; ///< by id
  std::map<std::string, Time> healthy_since_;       ///< by id, while healthy without a break
  std::map<std::string, Budget> budgets_;           ///< by service
  std::map<std::string, RestartAction> pending_;    ///< by container id: scheduled, not yet due
  std::set<std::string> in_flight_;                 ///< container ids being restarted
  /// Per container: the dependency readiness it was last bounced for (never twice for one).
  std::map<std::string, Time> bounced_for_;
  std::map<std::string, Time> causes_; ///< of the pending bounces
  struct Retry {
    int failures = 0;
    Time not_before{};
  };
  std::map<std::string, Retry> retry_; ///< after failed restarts
  /// Starts in (recover_from_, recover_until_] happened while aicd was blind.
  Time recover_from_{};
  Time recover_until_{};
  std::vector<Notice> notices_;
};

} // namespace aic::health
