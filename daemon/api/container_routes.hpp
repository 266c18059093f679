#pragma once

#include "api/router.hpp"
#include "api/v1_routes.hpp"

namespace aic::api {

/// The container commands of a project: start, stop, restart, kill, pause, unpause, rm (NDJSON
/// progress streams), wait (NDJSON exit codes), and top, port, images (JSON). docs/api.md.
void add_container_routes(Router& router, DaemonContext& ctx);

} // namespace aic::api
