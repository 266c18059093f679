#include "metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <utility>

namespace inference {

namespace {

std::vector<double> latency_bounds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}
std::vector<double> batch_bounds() {
  return {1, 2, 4, 8, 16, 32, 64, 128, 256};
}

// Prometheus' own number format: shortest round-trip text, +Inf spelled out.
std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  // Shorter when it round-trips (0.001 rather than 0.0010000000000000000208).
  for (int precision = 1; precision < 17; ++precision) {
    char shorter[64];
    std::snprintf(shorter, sizeof shorter, "%.*g", precision, v);
    if (std::stod(shorter) == v)
      return shorter;
  }
  return buf;
}

void write_histogram(std::ostringstream& out, std::string_view name, std::string_view help,
                     const Histogram::Snapshot& s, std::string_view labels = {}) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " histogram\n";
  const std::string sep = labels.empty() ? "" : ",";
  for (std::size_t i = 0; i <= s.bounds.size(); ++i) {
    out << name << "_bucket{" << labels << sep << "le=\""
        << (i < s.bounds.size() ? number(s.bounds[i]) : "+Inf") << "\"} " << s.cumulative[i]
        << '\n';
  }
  const auto with_labels = [&](std::string_view suffix) {
    out << name << suffix;
    if (!labels.empty())
      out << '{' << labels << '}';
  };
  with_labels("_sum");
  out << ' ' << number(s.sum) << '\n';
  with_labels("_count");
  out << ' ' << s.count << '\n';
}

} // namespace

std::string escape_label(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  std::lock_guard lock(mutex_);
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::lock_guard lock(mutex_);
  std::uint64_t running = 0;
  for (auto c : counts_)
    s.cumulative.push_back(running += c);
  s.sum = sum_;
  s.count = count_;
  return s;
}

Metrics::Metrics()
    : request_duration_(latency_bounds()), queue_wait_(latency_bounds()),
      forward_duration_(latency_bounds()), batch_size_(batch_bounds()) {}

void Metrics::request_done(unsigned code, double seconds) {
  request_duration_.observe(seconds);
  std::lock_guard lock(mutex_);
  ++requests_by_code_[code];
}

void Metrics::rejected(std::string_view reason) {
  std::lock_guard lock(mutex_);
  auto it = rejected_by_reason_.find(reason);
  if (it == rejected_by_reason_.end()) {
    rejected_by_reason_.emplace(std::string(reason), 1);
  } else {
    ++it->second;
  }
}

void Metrics::batch(std::size_t rows, double forward_seconds,
                    const std::vector<double>& queue_waits) {
  batch_size_.observe(static_cast<double>(rows));
  forward_duration_.observe(forward_seconds);
  for (double w : queue_waits)
    queue_wait_.observe(w);
}

void Metrics::set_labels(StaticLabels labels) {
  std::lock_guard lock(mutex_);
  labels_ = std::move(labels);
}

std::string Metrics::render(std::size_t queue_depth) const {
  std::ostringstream out;
  StaticLabels labels;
  std::map<unsigned, std::uint64_t> codes;
  std::map<std::string, std::uint64_t, std::less<>> rejected;
  {
    std::lock_guard lock(mutex_);
    labels = labels_;
    codes = requests_by_code_;
    rejected = rejected_by_reason_;
  }
  out << "# HELP aic_infer_requests_total HTTP requests answered, by status code.\n"
         "# TYPE aic_infer_requests_total counter\n";
  for (const auto& [code, n] : codes) {
    out << "aic_infer_requests_total{code=\"" << code << "\"} " << n << '\n';
  }
  write_histogram(out, "aic_infer_request_duration_seconds",
                  "Time from a request's arrival to its response, in seconds.",
                  request_duration_.snapshot());
  write_histogram(out, "aic_infer_queue_wait_seconds",
                  "Time a prediction waited in the batching queue, in seconds.",
                  queue_wait_.snapshot());
  std::string device_label = "device=\"";
  device_label += escape_label(labels.device.empty() ? "none" : labels.device);
  device_label += '"';
  write_histogram(out, "aic_infer_forward_duration_seconds",
                  "Time of one batch's forward pass, in seconds.", forward_duration_.snapshot(),
                  device_label);
  write_histogram(out, "aic_infer_batch_size", "Rows per executed batch.", batch_size_.snapshot());
  out << "# HELP aic_infer_queue_depth Predictions waiting in the batching queue.\n"
         "# TYPE aic_infer_queue_depth gauge\n"
         "aic_infer_queue_depth "
      << queue_depth << '\n';
  out << "# HELP aic_infer_inflight_requests HTTP requests being answered.\n"
         "# TYPE aic_infer_inflight_requests gauge\n"
         "aic_infer_inflight_requests "
      << inflight.load() << '\n';
  out << "# HELP aic_infer_rejected_total Predictions refused or dropped, by reason.\n"
         "# TYPE aic_infer_rejected_total counter\n";
  for (const auto& [reason, n] : rejected) {
    out << "aic_infer_rejected_total{reason=\"" << escape_label(reason) << "\"} " << n << '\n';
  }
  if (!labels.device.empty()) {
    out << "# HELP aic_infer_device_info The device the model runs on (1).\n"
           "# TYPE aic_infer_device_info gauge\n"
           "aic_infer_device_info{device=\""
        << escape_label(labels.device) << "\",gpu_uuids=\"" << escape_label(labels.gpu_uuids)
        << "\",torch_version=\"" << escape_label(labels.torch_version) << "\"} 1\n";
  }
  if (!labels.model_sha256.empty()) {
    out << "# HELP aic_infer_model_info The model loaded (1).\n"
           "# TYPE aic_infer_model_info gauge\n"
           "aic_infer_model_info{path=\""
        << escape_label(labels.model_path) << "\",sha256=\"" << escape_label(labels.model_sha256)
        << "\"} 1\n";
  }
  return out.str();
}

} // namespace inference
