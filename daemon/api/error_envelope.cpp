#include "api/error_envelope.hpp"

#include <string>

namespace aic::api {

nlohmann::json error_envelope(std::string_view code, std::string_view message) {
  nlohmann::json error = nlohmann::json::object();
  error["code"] = std::string(code);
  error["message"] = std::string(message);
  error["details"] = nlohmann::json::array();
  nlohmann::json body = nlohmann::json::object();
  body["error"] = std::move(error);
  return body;
}

} // namespace aic::api
