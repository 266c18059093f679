#include "engine/api_version.hpp"

#include <charconv>
#include <system_error>

namespace aic::engine {
namespace {

// A run of ASCII digits that fits an int; from_chars alone would accept a leading '-'.
bool parse_number(std::string_view text, int& out) {
  if (text.empty()) {
    return false;
  }
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

} // namespace

std::string ApiVersion::to_string() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

Result<ApiVersion> ApiVersion::parse(std::string_view text) {
  const auto bad = [&] {
    return Error(ErrorCode::Internal,
                 "invalid API version \"" + std::string(text) + "\" (expected MAJOR.MINOR)");
  };
  const std::size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    return bad();
  }
  ApiVersion version;
  if (!parse_number(text.substr(0, dot), version.major) ||
      !parse_number(text.substr(dot + 1), version.minor)) {
    return bad();
  }
  return version;
}

Result<ApiVersion> negotiate_api_version(ApiVersion server_max, ApiVersion server_min) {
  if (server_min > kNewestApiVersion) {
    return Error(ErrorCode::EngineUnavailable,
                 "the engine requires API " + server_min.to_string() + " or newer; aic speaks " +
                     kOldestApiVersion.to_string() + " to " + kNewestApiVersion.to_string());
  }
  const ApiVersion chosen = server_max < kNewestApiVersion ? server_max : kNewestApiVersion;
  if (chosen < kOldestApiVersion) {
    return Error(ErrorCode::EngineUnavailable, "the engine speaks API " + server_min.to_string() +
                                                   " to " + server_max.to_string() +
                                                   "; aic needs " + kOldestApiVersion.to_string() +
                                                   " or newer");
  }
  return chosen;
}

} // namespace aic::engine
