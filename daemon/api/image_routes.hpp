#pragma once

#include "api/router.hpp"
#include "api/v1_routes.hpp"

namespace aic::api {

/// POST /v1/projects/{name}/build and /pull (`aic build`, `aic pull`): the project's inputs are
/// loaded and checked (unknown services are a 400 before anything runs), then the operation
/// claims the project and streams its progress as NDJSON like `up`.
void add_image_routes(Router& router, DaemonContext& ctx);

} // namespace aic::api
