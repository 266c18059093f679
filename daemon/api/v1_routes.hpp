#pragma once

#include "api/router.hpp"
#include "engine/docker_client.hpp"
#include "store/project_store.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <set>
#include <string>

namespace aic::api {

/// What the /v1 handlers act on; owned by aicd's composition root, outliving the server and
/// every operation it started.
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
};

/// Registers every /v1 route (docs/api.md, proto/openapi.yaml) on `router`.
void add_v1_routes(Router& router, DaemonContext& context);

} // namespace aic::api
