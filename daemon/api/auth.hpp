#pragma once

#include <optional>
#include <string_view>

namespace aic::api {

/// Compares in time that depends only on `expected`'s length, not on where the inputs differ.
bool constant_time_equal(std::string_view given, std::string_view expected);

/// True when `authorization` is "Bearer <token>" (scheme in any case) with exactly `token`.
/// An empty `token` never matches.
bool bearer_token_matches(std::optional<std::string_view> authorization, std::string_view token);

} // namespace aic::api
