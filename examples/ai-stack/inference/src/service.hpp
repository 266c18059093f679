// The HTTP endpoints, independent of the transport: a request in, a response out through a
// callback (predictions answer later, from the batcher thread).
#pragma once

#include "batch_queue.hpp"
#include "metrics.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace inference {

struct HttpRequest {
  std::string method; ///< "GET", "POST", ...
  std::string target; ///< path and query
  std::string body;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What /info and /health tell about the running model.
struct ServingInfo {
  std::string model_name;
  std::string model_path;
  std::string model_sha256;
  std::size_t input_width = 0;
  std::size_t output_width = 0;
  std::string device;        ///< "cpu" or "cuda:0"
  std::string device_reason; ///< why that device
  std::string assigned_gpus; ///< from aic's scheduler, "" when none
  bool cuda_available = false;
  std::string torch_version;
};

struct ServiceOptions {
  std::string version = "0.1.0";
};

/// Routes and answers requests. Thread-safe: handle() is called from any network thread.
class Service {
public:
  using Reply = std::function<void(HttpResponse)>;

  Service(ServiceOptions options, Metrics& metrics);

  /// From now on /health answers 200 and /predict runs on `queue`. Called once.
  void set_ready(ServingInfo info, std::shared_ptr<BatchQueue> queue);
  /// Loading failed: /health answers 503 with `error` from now on.
  void set_failed(std::string error);
  /// Refuses new predictions (503), answers every queued one, and turns /health to 503. For
  /// a graceful stop; it sticks (a later set_ready starts refusing).
  void drain();
  bool ready() const { return ready_.load(std::memory_order_acquire); }

  /// Answers `request` through `reply`, exactly once, on this thread or the batcher's.
  void handle(const HttpRequest& request, Reply reply);

private:
  void route(const HttpRequest& request, const Reply& reply);
  void predict(const HttpRequest& request, Reply reply);
  HttpResponse health() const;
  HttpResponse info() const;
  HttpResponse metrics() const;

  const ServiceOptions options_;
  Metrics& metrics_;
  std::atomic<bool> ready_{false};
  mutable std::mutex mutex_; // guards info_, queue_, failure_
  ServingInfo info_;
  std::shared_ptr<BatchQueue> queue_;
  std::string failure_;
  bool draining_ = false;
};

/// A JSON error body: {"error": {"code": ..., "message": ...}}.
HttpResponse error_response(unsigned status, const std::string& code, const std::string& message);

} // namespace inference
