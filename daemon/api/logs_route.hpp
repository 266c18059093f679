#pragma once

#include "api/responder.hpp"
#include "api/v1_routes.hpp"

namespace aic::api {

/// GET /v1/projects/{name}/logs: the output of the project's containers as NDJSON lines
/// {"container","service","number","stream","line"}; `follow`, `tail`, `timestamps`, `since`,
/// `until` and `services` (comma-separated) as query parameters. Bounded: when the client reads
/// slower than the containers write, the engine streams are read no further until it catches
/// up, so aicd holds at most kMaxPendingLogLines lines or kMaxPendingLogBytes bytes for it (plus
/// what one read of each container's stream brings, at most one 64 KiB line piece per line).
/// Identical reads without follow that overlap share one read of the engine (see below).
boost::asio::awaitable<void> stream_project_logs(DaemonContext& ctx, Request& request,
                                                 Responder& responder);

inline constexpr std::size_t kMaxPendingLogLines = 1024;
inline constexpr std::size_t kMaxPendingLogBytes = 1024 * 1024;
/// A read without follow is shared by identical requests (DaemonContext::log_reads) when its
/// tail is at most this many lines and the whole answer at most this many bytes.
inline constexpr unsigned long kMaxSharedLogTail = 1000;
inline constexpr std::size_t kMaxSharedLogBytes = 1024 * 1024;

} // namespace aic::api
