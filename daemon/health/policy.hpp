#pragma once

// When aicd restarts a service whose container turned unhealthy: the `x-aic.restart_on_unhealthy`
// extension read together with the service's restart policy (docs/supervision.md).

#include "compose/node.hpp"
#include "compose/project.hpp"
#include "core/result.hpp"

#include <chrono>

namespace aic::health {

using Duration = std::chrono::nanoseconds;

/// How aicd treats a service whose container turns unhealthy. Restarts are counted within a
/// sliding `window`; the n-th restart in it waits backoff × 2^(n-2) (the first none), capped at
/// max_backoff, plus up to 25 % jitter. When max_attempts are spent the service is marked failed
/// and left alone; `reset_after` of continuous health clears the count.
struct RestartOnUnhealthy {
  bool enabled = false;
  Duration grace{0};    ///< unhealthy reports within this long after a start are ignored
  int max_attempts = 5; ///< restarts allowed within `window`
  Duration window = std::chrono::minutes(10);
  Duration backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::minutes(1);
  Duration reset_after = std::chrono::minutes(5);

  bool operator==(const RestartOnUnhealthy&) const = default;
};

/// The policy of `service`: defaults from its restart policy (enabled for always,
/// unless-stopped and on-failure; `on-failure:N` and deploy.restart_policy's max_attempts,
/// delay and window tune the budget), then the project's `x-aic.restart_on_unhealthy`, then the
/// service's own. `model` is the canonical model (LoadedProject::model). A bad value is an
/// InvalidSpec error naming file, line and key; other `x-aic` keys are refused as unsupported.
Result<RestartOnUnhealthy> restart_on_unhealthy(const compose::Node& model,
                                                const compose::ServiceSpec& service);

/// The n-th restart's wait (1-based): none for the first, then backoff doubling per attempt up
/// to max_backoff, stretched by `jitter` × 25 % (jitter in [0, 1)).
Duration restart_delay(const RestartOnUnhealthy& policy, int attempt, double jitter);

} // namespace aic::health
