#pragma once

#include "core/result.hpp"

// Boost 1.81's core/detail/string_view.hpp (under verb.hpp) uses std::ostream unincluded.
#include <ostream>
// (kept apart so include sorting leaves <ostream> first)
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aic::api {

/// Orders header names ignoring ASCII case; transparent, so lookups take string_view.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

/// Request headers by name, any case; repeated headers are joined with ", ".
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

/// Where a request came from: the unix socket (trusted by file permissions) or TCP (token).
enum class Transport : std::uint8_t {
  Unix,
  Tcp,
};

/// One HTTP request as a handler sees it: already authenticated and routed, body complete.
struct Request {
  boost::beast::http::verb method = boost::beast::http::verb::unknown;
  std::string method_name; // as sent ("GET"), also for methods Beast does not know
  std::string target;      // raw request target ("/v1/projects/a%20b?all=1")
  std::string path;        // raw path, still percent-encoded ("/v1/projects/a%20b")
  /// Decoded query parameters ('+' is a space); a repeated name keeps its last value.
  std::map<std::string, std::string> query;
  Headers headers;
  std::string body;
  /// Bytes the client sent past the request (head and body) before the handler ran; filled only
  /// for requests carrying an `Upgrade` header, whose connection becomes a raw byte stream after
  /// Responder::upgrade(): these bytes are the first of that stream.
  std::string leftover;
  /// Decoded `{name}` captures of the matched route.
  std::map<std::string, std::string> params;
  Transport transport = Transport::Unix;

  /// The header's value, or nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
  /// The route capture `{name}`; "" when the route has none of that name.
  const std::string& param(const std::string& name) const;
  /// The query parameter, or nullopt when absent.
  std::optional<std::string_view> query_value(const std::string& name) const;
};

/// Decodes %XX escapes (and '+' as a space when `plus_is_space`). nullopt on a malformed
/// escape or an encoded NUL byte.
std::optional<std::string> url_decode(std::string_view text, bool plus_is_space = false);

/// Splits an origin-form target ("/path?query") into `path` and decoded `query` of `request`.
/// InvalidSpec when the target is not origin-form or an escape is malformed.
Result<void> parse_target(std::string_view target, Request& request);

} // namespace aic::api
