#pragma once

#include "api/request.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aic::api {

class Responder;

/// Serves one request. It answers through the responder (one response, or a stream); a handler
/// that returns without answering gets a 500, one that throws gets a 500 envelope (or, mid-stream,
/// a cut connection). Arguments live until the handler's coroutine finishes.
using Handler = std::function<boost::asio::awaitable<void>(Request&, Responder&)>;

/// What routing a method and path gave.
struct RouteMatch {
  enum class Outcome : std::uint8_t {
    Found,
    NotFound,         // no route has this path
    MethodNotAllowed, // routes have this path, none with this method: see `allowed`
    BadPath,          // a segment has a malformed %-escape
  };
  Outcome outcome = Outcome::NotFound;
  const Handler* handler = nullptr; // set when Found; owned by the router
  std::string_view pattern;         // set when Found: "/v1/projects/{name}"; owned by the router
  std::map<std::string, std::string> params;
  std::vector<boost::beast::http::verb> allowed; // sorted, no repeats

  /// The `Allow` header value for `allowed` ("DELETE, GET").
  std::string allow_header() const;
};

/// Maps method + path patterns to handlers. Patterns are '/'-separated segments; `{name}`
/// captures one whole, non-empty segment (URL-decoded, so `%2F` may yield a '/'). When several
/// patterns match, the one whose first differing segment is a literal wins. Not thread-safe to
/// add() while serving; match() is const.
class Router {
public:
  /// Registers a route. A malformed pattern or a duplicate route is a programming error (assert).
  void add(boost::beast::http::verb method, std::string_view pattern, Handler handler);

  /// Finds the route for a raw (still percent-encoded) path, without its query.
  RouteMatch match(boost::beast::http::verb method, std::string_view path) const;

  std::size_t size() const { return routes_.size(); }
  /// Every route as (method, pattern), in the order added (for the OpenAPI sync test).
  std::vector<std::pair<boost::beast::http::verb, std::string>> routes() const;

private:
  struct Segment {
    std::string text; // the literal, or the capture's name
    bool capture = false;
  };
  struct Route {
    boost::beast::http::verb method;
    std::vector<Segment> segments;
    Handler handler;
    std::string pattern;
  };

  std::vector<Route> routes_;
};

} // namespace aic::api
