#pragma once

#include "api/metrics.hpp"
#include "api/router.hpp"
#include "api/v1_routes.hpp"
#include "proto/project_types.hpp"

#include <chrono>
#include <vector>

namespace aic::api {

/// GET /metrics: Prometheus text (docs/api.md "Metrics"). Like every route, it needs the token
/// on TCP and nothing on the unix socket.
void add_metrics_routes(Router& router, DaemonContext& ctx);

/// How long a scrape waits for the engine's container list before it answers without it
/// (aic_engine_up 0).
inline constexpr std::chrono::seconds kMetricsEngineDeadline{5};

/// aic_projects and aic_containers{project,service,state,health} from the projects' containers.
std::vector<MetricFamily> container_families(const std::vector<proto::ProjectStatus>& projects);

} // namespace aic::api
