// Prometheus metrics of the inference service, rendered in the text exposition format 0.0.4.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace inference {

/// A cumulative histogram with fixed upper bounds. Thread-safe.
class Histogram {
public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative; ///< one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

private:
  const std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<std::uint64_t> counts_; // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

/// Labels that never change while the process runs.
struct StaticLabels {
  std::string device;    ///< "cpu" or "cuda:0"
  std::string gpu_uuids; ///< AIC_GPU_UUIDS, or NVIDIA_VISIBLE_DEVICES, or ""
  std::string torch_version;
  std::string model_path;
  std::string model_sha256;
};

/// Every metric of the service. Thread-safe.
class Metrics {
public:
  Metrics();

  /// One finished HTTP request (any path) with its status code.
  void request_done(unsigned code, double seconds);
  /// One refused or dropped prediction: queue_full, timeout, too_large.
  void rejected(std::string_view reason);
  /// One executed batch.
  void batch(std::size_t rows, double forward_seconds, const std::vector<double>& queue_waits);
  void set_labels(StaticLabels labels);

  std::atomic<std::int64_t> inflight{0};

  /// The exposition text; `queue_depth` is read by the caller at render time.
  std::string render(std::size_t queue_depth) const;

private:
  Histogram request_duration_;
  Histogram queue_wait_;
  Histogram forward_duration_;
  Histogram batch_size_;

  mutable std::mutex mutex_;
  std::map<unsigned, std::uint64_t> requests_by_code_;
  std::map<std::string, std::uint64_t, std::less<>> rejected_by_reason_;
  StaticLabels labels_;
};

/// Escapes a label value (backslash, double quote, newline).
std::string escape_label(std::string_view value);

} // namespace inference
