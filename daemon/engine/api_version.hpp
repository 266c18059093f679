#pragma once

#include "core/result.hpp"

#include <compare>
#include <string>
#include <string_view>

namespace aic::engine {

/// A Docker Engine API version such as 1.41.
struct ApiVersion {
  int major = 1;
  int minor = 41;

  auto operator<=>(const ApiVersion&) const = default;
  /// "1.41"
  std::string to_string() const;
  /// Parses "1.41"; InvalidSpec-free: errors are Internal with the offending text.
  static Result<ApiVersion> parse(std::string_view text);
};

/// The oldest engine aic speaks to (Engine 20.10) and the newest API it was written against.
inline constexpr ApiVersion kOldestApiVersion{1, 41};
inline constexpr ApiVersion kNewestApiVersion{1, 47};

/// The version to use with an engine that speaks [server_min, server_max]: the highest both
/// sides speak. EngineUnavailable with a message naming both ranges when they do not overlap.
Result<ApiVersion> negotiate_api_version(ApiVersion server_max, ApiVersion server_min);

} // namespace aic::engine
