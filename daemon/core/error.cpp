#include "core/error.hpp"

namespace aic {

std::string_view to_string(ErrorCode code) {
  switch (code) {
  case ErrorCode::InvalidSpec:
    return "invalid_spec";
  case ErrorCode::NotFound:
    return "not_found";
  case ErrorCode::Conflict:
    return "conflict";
  case ErrorCode::EngineUnavailable:
    return "engine_unavailable";
  case ErrorCode::Timeout:
    return "timeout";
  case ErrorCode::Internal:
    return "internal";
  }
  return "internal";
}

std::string Error::describe() const {
  std::string out;
  for (const auto& c : context_) {
    out += c;
    out += ": ";
  }
  out += message_;
  for (const auto& d : details_) {
    out += "\n  ";
    out += d;
  }
  return out;
}

} // namespace aic
