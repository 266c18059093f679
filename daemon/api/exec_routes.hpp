#pragma once

#include "api/router.hpp"
#include "api/v1_routes.hpp"

namespace aic::api {

/// `exec` and `run` (docs/api.md): exec instances in a project's service containers, one-off
/// containers of its services, and the raw two-way sessions with them (HTTP upgrade to `tcp`, as
/// the Docker API does for exec start and attach), their resizes and exit codes. Every route
/// acts only on containers carrying the project's com.docker.compose.project label.
void add_exec_routes(Router& router, DaemonContext& ctx);

} // namespace aic::api
