#pragma once

#include "api/metrics.hpp"
#include "api/server_options.hpp"
#include "engine/docker_client.hpp"
#include "proto/gpu_types.hpp"
#include "proto/project_types.hpp"

#include <cstddef>
#include <functional>
#include <vector>

namespace aic::api {

/// The metrics aicd records as it runs (docs/api.md "Metrics"); GET /metrics adds those it
/// reads at scrape time (projects, containers, events). main.cpp feeds it from the server's
/// ServerOptions::on_request and the engine client's ClientOptions::on_call.
/// Not thread-safe: aicd's io_context thread only.
class DaemonMetrics {
public:
  DaemonMetrics();

  /// aic_api_requests_total and aic_api_request_duration_seconds.
  void observe_request(const RequestRecord& record);
  /// aic_engine_call_duration_seconds (and aic_engine_call_errors_total).
  void observe_engine_call(const engine::CallRecord& record);

  /// aic_restarts_total.
  void observe_restart(const std::string& project, const proto::RestartRecord& record);

  /// The recorded families, plus aic_open_streams when `open_streams` is set.
  std::vector<MetricFamily> collect() const;

  /// Streams being sent now (Server::open_streams), read at scrape time.
  std::function<std::size_t()> open_streams;
  /// Services marked failed by supervision (Supervisor::failed_services), read at scrape time.
  std::function<int()> failed_services;
  /// The GPUs and their holders as last observed (GpuScheduler::last_status), read at scrape
  /// time: aic_gpu_* gauges.
  std::function<proto::GpuStatus()> gpu_status;

  CounterFamily api_requests;
  HistogramFamily api_request_duration;
  HistogramFamily engine_call_duration;
  CounterFamily engine_call_errors;
  CounterFamily restarts;
};

} // namespace aic::api
