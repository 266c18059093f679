#include "api/metrics.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace aic::api {

namespace {

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

LabelPairs pairs(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  LabelPairs out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out.emplace_back(names[i], values[i]);
  }
  return out;
}

} // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_metric_value(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  return std::string(buf, end);
}

std::string render_prometheus(std::vector<MetricFamily> families) {
  std::stable_sort(families.begin(), families.end(),
                   [](const MetricFamily& a, const MetricFamily& b) { return a.name < b.name; });
  std::string out;
  for (const MetricFamily& family : families) {
    out += "# HELP " + family.name + " " + escape_help(family.help) + "\n";
    out += "# TYPE " + family.name + " " + family.type + "\n";
    for (const MetricSample& sample : family.samples) {
      out += sample.name;
      if (!sample.labels.empty()) {
        out += '{';
        bool first = true;
        for (const auto& [name, value] : sample.labels) {
          out += (first ? "" : ",") + name + "=\"" + escape_label_value(value) + "\"";
          first = false;
        }
        out += '}';
      }
      out += " " + format_metric_value(sample.value) + "\n";
    }
  }
  return out;
}

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names, std::string type)
    : name_(std::move(name)), help_(std::move(help)), type_(std::move(type)),
      label_names_(std::move(label_names)) {}

double* CounterFamily::series(const std::vector<std::string>& label_values) {
  assert(label_values.size() == label_names_.size() && "one value per label");
  auto it = values_.find(label_values);
  if (it == values_.end()) {
    if (values_.size() >= kMaxSeriesPerFamily) {
      return nullptr;
    }
    it = values_.emplace(label_values, 0.0).first;
  }
  return &it->second;
}

void CounterFamily::add(const std::vector<std::string>& label_values, double delta) {
  if (double* v = series(label_values)) {
    *v += delta;
  }
}

void CounterFamily::set(const std::vector<std::string>& label_values, double value) {
  if (double* v = series(label_values)) {
    *v = value;
  }
}

double CounterFamily::value(const std::vector<std::string>& label_values) const {
  auto it = values_.find(label_values);
  return it == values_.end() ? 0 : it->second;
}

MetricFamily CounterFamily::collect() const {
  MetricFamily family{name_, help_, type_, {}};
  for (const auto& [values, value] : values_) {
    family.samples.push_back({name_, pairs(label_names_, values), value});
  }
  return family;
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names, std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()) && "bucket bounds ascend");
}

void HistogramFamily::observe(const std::vector<std::string>& label_values, double value) {
  assert(label_values.size() == label_names_.size() && "one value per label");
  auto it = series_.find(label_values);
  if (it == series_.end()) {
    if (series_.size() >= kMaxSeriesPerFamily) {
      return;
    }
    Series fresh;
    fresh.buckets.assign(bounds_.size() + 1, 0);
    it = series_.emplace(label_values, std::move(fresh)).first;
  }
  Series& s = it->second;
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  ++s.buckets[bucket];
  s.sum += value;
  ++s.count;
}

std::uint64_t HistogramFamily::count(const std::vector<std::string>& label_values) const {
  auto it = series_.find(label_values);
  return it == series_.end() ? 0 : it->second.count;
}

MetricFamily HistogramFamily::collect() const {
  MetricFamily family{name_, help_, "histogram", {}};
  for (const auto& [values, s] : series_) {
    const LabelPairs labels = pairs(label_names_, values);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      LabelPairs with_le = labels;
      with_le.emplace_back("le", i < bounds_.size() ? format_metric_value(bounds_[i]) : "+Inf");
      family.samples.push_back(
          {name_ + "_bucket", std::move(with_le), static_cast<double>(cumulative)});
    }
    family.samples.push_back({name_ + "_sum", labels, s.sum});
    family.samples.push_back({name_ + "_count", labels, static_cast<double>(s.count)});
  }
  return family;
}

} // namespace aic::api
