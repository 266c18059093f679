#include "proto/error_body.hpp"

namespace aic::proto {

int http_status(ErrorCode code) {
  switch (code) {
  case ErrorCode::InvalidSpec:
    return 400;
  case ErrorCode::NotFound:
    return 404;
  case ErrorCode::Conflict:
    return 409;
  case ErrorCode::EngineUnavailable:
    return 503;
  case ErrorCode::Timeout:
    return 504;
  case ErrorCode::Internal:
    return 500;
  }
  return 500;
}

nlohmann::json error_body(const Error& error) {
  std::string message;
  for (const auto& c : error.context()) {
    message += c + ": ";
  }
  message += error.message();
  return {{"error",
           {{"code", std::string(to_string(error.code()))},
            {"message", message},
            {"details", error.details()}}}};
}

Error error_from_body(const nlohmann::json& body) {
  static constexpr ErrorCode kCodes[] = {ErrorCode::InvalidSpec, ErrorCode::NotFound,
                                         ErrorCode::Conflict,    ErrorCode::EngineUnavailable,
                                         ErrorCode::Timeout,     ErrorCode::Internal};
  if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
    return Error(ErrorCode::Internal, "unexpected error body: " + body.dump());
  }
  const auto& e = body["error"];
  ErrorCode code = ErrorCode::Internal;
  std::string code_text = e.value("code", "");
  for (ErrorCode c : kCodes) {
    if (to_string(c) == code_text) {
      code = c;
    }
  }
  std::vector<std::string> details;
  if (e.contains("details") && e["details"].is_array()) {
    for (const auto& d : e["details"]) {
      if (d.is_string()) {
        details.push_back(d.get<std::string>());
      }
    }
  }
  return Error(code, e.value("message", "unknown error"), std::move(details));
}

} // namespace aic::proto
