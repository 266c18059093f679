#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic {

/// The closed set of failure kinds; mirrored on the wire (see proto/error_code.hpp).
enum class ErrorCode : std::uint8_t {
  InvalidSpec,       // 400: the user's input is wrong
  NotFound,          // 404
  Conflict,          // 409
  EngineUnavailable, // 503
  Timeout,           // 504
  Internal,          // 500
};

/// Stable snake_case name of a code, as used in JSON bodies ("invalid_spec").
std::string_view to_string(ErrorCode code);

/// An expected failure: a code, a one-line message, optional detail lines (for example every
/// diagnostic of a compose file) and the context added by each layer it passed through.
class Error {
public:
  Error(ErrorCode code, std::string message, std::vector<std::string> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<std::string>& details() const { return details_; }
  /// Outermost context first ("loading project demo", then "reading compose.yaml").
  const std::vector<std::string>& context() const { return context_; }

  /// Adds what the caller was doing; returns *this so it composes in return statements.
  Error& with_context(std::string what) & {
    context_.insert(context_.begin(), std::move(what));
    return *this;
  }
  Error&& with_context(std::string what) && {
    context_.insert(context_.begin(), std::move(what));
    return std::move(*this);
  }

  /// "context: context: message" on one line, then the details, one per line.
  std::string describe() const;

private:
  ErrorCode code_;
  std::string message_;
  std::vector<std::string> details_;
  std::vector<std::string> context_;
};

} // namespace aic
