#pragma once

#include "api/router.hpp"
#include "core/joined_calls.hpp"
#include "engine/docker_client.hpp"
#include "store/project_store.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace aic::events {
class EventHub;
} // namespace aic::events

namespace aic::supervisor {
class Supervisor;
} // namespace aic::supervisor

namespace aic::api {

class StatusCache;

class DaemonMetrics;

/// What the /v1 handlers act on; owned by aicd's composition root, outliving the server and
/// every operation it started.
/// A project's logs read without follow, whole (its NDJSON lines), as identical concurrent
/// requests share it; null when it was too big to hold (each request then reads alone).
using SharedLogRead = std::shared_ptr<const std::vector<std::string>>;
using LogReads = JoinedCalls<SharedLogRead>;

struct DaemonContext {
  boost::asio::any_io_executor executor;
  engine::DockerClient& docker;
  supervisor::ProjectOperations& operations;
  store::ProjectStore& store;
  /// For blocking work: file writes with fsync, loading compose inputs.
  boost::asio::thread_pool& blocking;
  /// (level, message): "info", "warning" or "error".
  std::function<void(std::string_view, std::string_view)> log;
  /// Projects with an operation in progress: one at a time per project.
  std::set<std::string> busy;
  /// The project event hub behind GET /v1/events; null when aicd runs without one (tests).
  events::EventHub* events = nullptr;
  /// What GET /metrics reports besides what it reads at scrape time; null: not recorded.
  DaemonMetrics* metrics = nullptr;
  /// Supervision of the stored projects: restart counts in status, and operations wait for a
  /// restart of its in flight before they start; null when aicd runs without it (tests).
  supervisor::Supervisor* supervisor = nullptr;
  /// GPU inventory and holds behind GET /v1/gpus; null when aicd runs without it (tests).
  supervisor::GpuScheduler* gpus = nullptr;
  /// Keeps GET /v1/projects/{p} from listing the engine on every request; null: no cache.
  StatusCache* status_cache = nullptr;
  /// Shares identical logs reads without follow between requests; null: each reads alone.
  LogReads* log_reads = nullptr;

  /// Publishes the operation event "<operation> started" for `project` (when `events` is set).
  /// Every long operation announces its start once it holds the project, and its end.
  void operation_started(const std::string& project, std::string_view operation);
  /// Publishes "<operation> finished", or "<operation> failed" with the error.
  void operation_ended(const std::string& project, std::string_view operation,
                       const Result<void>& result);
};

/// Registers every /v1 route (docs/api.md, proto/openapi.yaml) on `router`.
void add_v1_routes(Router& router, DaemonContext& context);

} // namespace aic::api
