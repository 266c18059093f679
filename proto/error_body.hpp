#pragma once

#include "core/error.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {

/// The API version prefix every aicd route lives under.
inline constexpr std::string_view kApiVersion = "v1";

/// HTTP status for an error code: invalid_spec 400, not_found 404, conflict 409,
/// engine_unavailable 503, timeout 504, internal 500.
int http_status(ErrorCode code);

/// The one error envelope of the API: {"error":{"code":"…","message":"…","details":[…]}}.
/// The message carries the context chain ("loading demo: …").
nlohmann::json error_body(const Error& error);

/// Reads an envelope back into an Error (for the CLI); an unrecognised body becomes an internal
/// error quoting it.
Error error_from_body(const nlohmann::json& body);

} // namespace aic::proto
