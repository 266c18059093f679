#pragma once

// A small, hand-written metrics registry and the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/) for GET /metrics.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic::api {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

/// One line of the exposition: `name{labels} value`.
struct MetricSample {
  std::string name; ///< the family's name, or it with _bucket, _sum, _count
  LabelPairs labels;
  double value = 0;
};

/// A metric family: its # HELP and # TYPE lines and its samples, in the order given.
struct MetricFamily {
  std::string name;
  std::string help;
  std::string type; ///< "counter", "gauge" or "histogram"
  std::vector<MetricSample> samples;
};

/// The families as Prometheus text, sorted by name; every line ends with '\n'.
std::string render_prometheus(std::vector<MetricFamily> families);

/// A label value with '\\', '"' and newlines escaped.
std::string escape_label_value(std::string_view value);
/// A sample value: integers without a fraction ("3"), "+Inf", "-Inf", "NaN", else the shortest
/// exact decimal form.
std::string format_metric_value(double value);

/// Series beyond this many per family are not recorded (a bound against label explosions).
inline constexpr std::size_t kMaxSeriesPerFamily = 1000;

/// A counter (or gauge) family with fixed label names; values by label values.
/// Not thread-safe: use from one thread (aicd's io_context).
class CounterFamily {
public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> label_names,
                std::string type = "counter");

  /// Adds `delta` to the series of `label_values` (one per label name).
  void add(const std::vector<std::string>& label_values, double delta = 1);
  /// Sets the series (gauges).
  void set(const std::vector<std::string>& label_values, double value);
  /// The series' value; 0 when it has none.
  double value(const std::vector<std::string>& label_values) const;
  MetricFamily collect() const;

private:
  double* series(const std::vector<std::string>& label_values);

  std::string name_;
  std::string help_;
  std::string type_;
  std::vector<std::string> label_names_;
  std::map<std::vector<std::string>, double> values_;
};

/// A histogram family: cumulative buckets with upper bounds `bounds` (ascending; +Inf is
/// implied), plus _sum and _count per series. Not thread-safe.
class HistogramFamily {
public:
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);

  void observe(const std::vector<std::string>& label_values, double value);
  /// Observations of the series so far.
  std::uint64_t count(const std::vector<std::string>& label_values) const;
  MetricFamily collect() const;

private:
  struct Series {
    std::vector<std::uint64_t> buckets; // per bound, not cumulative; the last is +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::map<std::vector<std::string>, Series> series_;
};

} // namespace aic::api
