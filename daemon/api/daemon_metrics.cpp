#include "api/daemon_metrics.hpp"

#include <array>
#include <string>

namespace aic::api {

namespace {

/// aic_gpu_*: one sample per device (labels gpu = index, uuid, name), plus the inventory's
/// source as an info gauge.
void append_gpu_families(const proto::GpuStatus& status, std::vector<MetricFamily>& out) {
  MetricFamily info{
      "aic_gpu_info", "Where aicd's GPU inventory comes from (1 per source).", "gauge", {}};
  info.samples.push_back(
      {"aic_gpu_info", {{"source", status.source}, {"policy", status.policy}}, 1});
  out.push_back(std::move(info));
  MetricFamily total{"aic_gpu_memory_total_bytes", "Memory of each GPU.", "gauge", {}};
  MetricFamily used{
      "aic_gpu_memory_used_bytes", "Memory in use on each GPU, as the probe saw it.", "gauge", {}};
  MetricFamily reserved{"aic_gpu_memory_reserved_bytes",
                        "Memory reserved on each GPU by its holders' x-aic.gpu.memory.",
                        "gauge",
                        {}};
  MetricFamily util{"aic_gpu_utilization_ratio",
                    "How busy each GPU was over the probe's last sample (0 to 1); absent when "
                    "the probe cannot tell.",
                    "gauge",
                    {}};
  MetricFamily holders{"aic_gpu_holders", "Containers holding each GPU.", "gauge", {}};
  for (const auto& d : status.devices) {
    LabelPairs labels{{"gpu", std::to_string(d.index)}, {"uuid", d.uuid}, {"name", d.name}};
    total.samples.push_back({total.name, labels, static_cast<double>(d.memory_total)});
    used.samples.push_back({used.name, labels, static_cast<double>(d.memory_used)});
    reserved.samples.push_back({reserved.name, labels, static_cast<double>(d.memory_reserved)});
    if (d.utilization >= 0) {
      util.samples.push_back({util.name, labels, d.utilization / 100.0});
    }
    holders.samples.push_back({holders.name, labels, static_cast<double>(d.holders.size())});
  }
  for (MetricFamily* f : {&total, &used, &reserved, &util, &holders}) {
    out.push_back(std::move(*f));
  }
}

/// From 1 ms (a local inspect) to 5 min (an up that pulls, a stop that waits its timeout).
std::vector<double> duration_buckets() {
  return {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
}

/// The method as a label: the standard ones as sent, anything else "other", so that a client
/// cannot grow the series with made-up methods.
std::string method_label(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) {
      return std::string(method);
    }
  }
  return "other";
}

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

} // namespace

DaemonMetrics::DaemonMetrics()
    : api_requests("aic_api_requests_total", "Requests aicd's API answered.",
                   {"method", "route", "code"}),
      api_request_duration("aic_api_request_duration_seconds",
                           "Time from a request's head to the end of its answer (of the whole "
                           "stream, for streaming routes).",
                           {"method", "route"}, duration_buckets()),
      engine_call_duration("aic_engine_call_duration_seconds",
                           "Duration of aicd's request/response calls to the Docker engine.",
                           {"method", "endpoint"}, duration_buckets()),
      engine_call_errors("aic_engine_call_errors_total",
                         "Engine calls that failed: no answer (code \"none\") or an error status.",
                         {"method", "endpoint", "code"}),
      restarts("aic_restarts_total",
               "Container restarts aicd made (reason unhealthy, dependency, order) or saw the "
               "engine's restart policy make (reason exited).",
               {"project", "service", "reason"}) {}

void DaemonMetrics::observe_restart(const std::string& project, const proto::RestartRecord& r) {
  restarts.add({project, r.service, r.reason});
}

void DaemonMetrics::observe_request(const RequestRecord& record) {
  const std::string method = method_label(record.method);
  const std::string route = record.route.empty() ? "unmatched" : std::string(record.route);
  const std::string code = std::to_string(record.status);
  api_requests.add({method, route, code});
  api_request_duration.observe({method, route}, seconds(record.duration));
}

void DaemonMetrics::observe_engine_call(const engine::CallRecord& record) {
  const std::string method(record.method);
  const std::string endpoint(record.endpoint);
  engine_call_duration.observe({method, endpoint}, seconds(record.duration));
  if (record.status == 0 || (record.status >= 400)) {
    const std::string code = record.status == 0 ? "none" : std::to_string(record.status);
    engine_call_errors.add({method, endpoint, code});
  }
}

std::vector<MetricFamily> DaemonMetrics::collect() const {
  std::vector<MetricFamily> out = {api_requests.collect(), api_request_duration.collect(),
                                   engine_call_duration.collect(), engine_call_errors.collect(),
                                   restarts.collect()};
  if (failed_services) {
    MetricFamily failed{"aic_services_failed",
                        "Services whose unhealthy-restart budget is spent: aicd no longer "
                        "restarts them.",
                        "gauge",
                        {}};
    failed.samples.push_back({"aic_services_failed", {}, static_cast<double>(failed_services())});
    out.push_back(std::move(failed));
  }
  if (gpu_status) {
    append_gpu_families(gpu_status(), out);
  }
  if (open_streams) {
    MetricFamily streams{"aic_open_streams",
                         "API responses being streamed now (events, logs, operation progress).",
                         "gauge",
                         {}};
    streams.samples.push_back({"aic_open_streams", {}, static_cast<double>(open_streams())});
    out.push_back(std::move(streams));
  }
  return out;
}

} // namespace aic::api
