#include "proto/project_event.hpp"

#include "proto/json_fields.hpp"

#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

constexpr std::int64_t kNsPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian, any year).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

/// Reads exactly `n` digits at `pos`, advancing it.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
  if (pos + n > s.size()) {
    return false;
  }
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

} // namespace

std::string format_rfc3339_ns(std::int64_t unix_ns) {
  std::int64_t seconds = unix_ns / kNsPerSecond;
  std::int64_t nanos = unix_ns % kNsPerSecond;
  if (nanos < 0) {
    nanos += kNsPerSecond;
    --seconds;
  }
  std::int64_t days = seconds / kSecondsPerDay;
  std::int64_t rest = seconds % kSecondsPerDay;
  if (rest < 0) {
    rest += kSecondsPerDay;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  civil_from_days(days, year, month, day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ",
                static_cast<long long>(year), month, day, static_cast<long long>(rest / 3600),
                static_cast<long long>(rest / 60 % 60), static_cast<long long>(rest % 60),
                static_cast<long long>(nanos));
  return buf;
}

std::optional<std::int64_t> parse_rfc3339_ns(std::string_view s) {
  std::size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(s, pos, 4, year) || !expect(s, pos, '-') || !digits(s, pos, 2, month) ||
      !expect(s, pos, '-') || !digits(s, pos, 2, day) ||
      !(expect(s, pos, 'T') || expect(s, pos, 't') || expect(s, pos, ' ')) ||
      !digits(s, pos, 2, hour) || !expect(s, pos, ':') || !digits(s, pos, 2, minute) ||
      !expect(s, pos, ':') || !digits(s, pos, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::int64_t nanos = 0;
  if (expect(s, pos, '.')) {
    std::size_t n = 0;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, ++n) {
      if (n < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
      }
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (; n < 9; ++n) {
      nanos *= 10;
    }
  }
  std::int64_t offset_s = 0;
  const bool utc = expect(s, pos, 'Z') || expect(s, pos, 'z');
  if (!utc && pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const bool negative = s[pos] == '-';
    ++pos;
    int oh = 0;
    int om = 0;
    if (!digits(s, pos, 2, oh) || !expect(s, pos, ':') || !digits(s, pos, 2, om)) {
      return std::nullopt;
    }
    offset_s = (negative ? -1 : 1) * (oh * 3600 + om * 60);
  } else if (!utc) {
    return std::nullopt;
  }
  if (pos != s.size()) {
    return std::nullopt;
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds =
      days * kSecondsPerDay + hour * 3600 + minute * 60 + second - offset_s;
  // Unix nanoseconds in 64 bits reach from 1677 to 2262; the engine writes 0001-01-01 for
  // "never" (a container's StartedAt before its first start), which is no time at all here.
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<std::int64_t>::max() / kNsPerSecond - 1;
  if (seconds < -kMaxSeconds || seconds > kMaxSeconds) {
    return std::nullopt;
  }
  return seconds * kNsPerSecond + nanos;
}

void to_json(nlohmann::json& j, const ProjectEvent& v) {
  j = {{"id", v.id},
       {"time", format_rfc3339_ns(v.time_ns)},
       {"project", v.project},
       {"type", v.type},
       {"action", v.action},
       {"service", v.service},
       {"container", v.container},
       {"container_id", v.container_id},
       {"attributes", v.attributes}};
}

void from_json(const nlohmann::json& j, ProjectEvent& v) {
  auto read = [&j](const char* key, auto& out) { read_field(j, key, out); };
  read("id", v.id);
  std::string time;
  read("time", time);
  if (!time.empty()) {
    v.time_ns = parse_rfc3339_ns(time).value_or(0);
  }
  read("project", v.project);
  read("type", v.type);
  read("action", v.action);
  read("service", v.service);
  read("container", v.container);
  read("container_id", v.container_id);
  read("attributes", v.attributes);
}

} // namespace aic::proto
