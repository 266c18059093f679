#pragma once

#include "api/router.hpp"
#include "api/v1_routes.hpp"

namespace aic::api {

/// The routes of `aic cp` (docs/api.md): GET /v1/projects/{name}/archive/stat, GET and PUT
/// /v1/projects/{name}/archive. They address containers of the project only, by the Compose
/// labels: `service` and then `index`, `container` (a name) or, without either, every container
/// of the service (one-off containers too with `all`).
void add_archive_routes(Router& router, DaemonContext& ctx);

/// How long a tar download may wait for the engine's next bytes.
inline constexpr std::chrono::minutes kArchiveReadIdle{5};

} // namespace aic::api
