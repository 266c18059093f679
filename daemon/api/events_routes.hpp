#pragma once

#include "api/router.hpp"
#include "api/v1_routes.hpp"

#include <chrono>
#include <cstddef>

namespace aic::api {

/// GET /v1/events and GET /v1/projects/{name}/events: the project event stream as Server-Sent
/// Events (docs/api.md "Events").
void add_events_routes(Router& router, DaemonContext& ctx);

/// A silent event stream sends a `: keep-alive` comment this often.
inline constexpr std::chrono::seconds kEventKeepAlive{15};
/// The reconnect delay the stream asks browsers to use (the `retry:` line).
inline constexpr std::chrono::milliseconds kEventRetry{2000};
/// Events written per chunk at most (a subscriber far behind catches up in chunks).
inline constexpr std::size_t kEventBatch = 256;

} // namespace aic::api
