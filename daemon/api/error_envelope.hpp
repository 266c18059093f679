#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace aic::api {

/// The API's error envelope for a code that is not an aic::ErrorCode ("unauthorized"):
/// {"error":{"code":"…","message":"…","details":[]}}. proto::error_body covers ErrorCodes.
nlohmann::json error_envelope(std::string_view code, std::string_view message);

} // namespace aic::api
