#include "api/router.hpp"

#include <algorithm>
#include <cassert>
#include <optional>

namespace aic::api {

namespace http = boost::beast::http;

namespace {

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  path.remove_prefix(1); // the leading '/'
  for (;;) {
    const std::size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      return out;
    }
    path.remove_prefix(slash + 1);
  }
}

/// True when `a` is more specific than `b`: at the first segment where one is a literal and the
/// other a capture, `a` has the literal.
template <typename Segments>
bool more_specific(const Segments& a, const Segments& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].capture != b[i].capture) {
      return !a[i].capture;
    }
  }
  return false;
}

} // namespace

std::string RouteMatch::allow_header() const {
  std::string out;
  for (const http::verb verb : allowed) {
    if (!out.empty()) {
      out += ", ";
    }
    out += std::string(http::to_string(verb));
  }
  return out;
}

void Router::add(http::verb method, std::string_view pattern, Handler handler) {
  assert(!pattern.empty() && pattern.front() == '/' && "route patterns start with '/'");
  assert(handler && "a route needs a handler");
  Route route{method, {}, std::move(handler), std::string(pattern)};
  for (const std::string_view text : split(pattern)) {
    Segment segment;
    if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      segment.text = std::string(text.substr(1, text.size() - 2));
      segment.capture = true;
      assert(!segment.text.empty() && "a capture needs a name");
    } else {
      assert(text.find_first_of("{}") == std::string_view::npos && "malformed capture");
      segment.text = std::string(text);
    }
    route.segments.push_back(std::move(segment));
  }
#ifndef NDEBUG
  for (const Route& existing : routes_) {
    const bool same_shape =
        std::equal(existing.segments.begin(), existing.segments.end(), route.segments.begin(),
                   route.segments.end(), [](const Segment& a, const Segment& b) {
                     return a.capture == b.capture && (a.capture || a.text == b.text);
                   });
    assert(!(same_shape && existing.method == method) && "duplicate route");
  }
#endif
  routes_.push_back(std::move(route));
}

RouteMatch Router::match(http::verb method, std::string_view path) const {
  RouteMatch out;
  if (path.empty() || path.front() != '/') {
    out.outcome = RouteMatch::Outcome::BadPath;
    return out;
  }
  std::vector<std::string> segments;
  for (const std::string_view raw : split(path)) {
    auto decoded = url_decode(raw);
    if (!decoded) {
      out.outcome = RouteMatch::Outcome::BadPath;
      return out;
    }
    segments.push_back(std::move(*decoded));
  }

  const Route* best = nullptr;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) {
      continue;
    }
    bool matches = true;
    for (std::size_t i = 0; i < segments.size() && matches; ++i) {
      const Segment& segment = route.segments[i];
      matches = segment.capture ? !segments[i].empty() : segment.text == segments[i];
    }
    if (!matches) {
      continue;
    }
    if (route.method != method) {
      out.allowed.push_back(route.method);
      continue;
    }
    if (best == nullptr || more_specific(route.segments, best->segments)) {
      best = &route;
    }
  }

  if (best == nullptr) {
    std::sort(out.allowed.begin(), out.allowed.end(),
              [](http::verb a, http::verb b) { return http::to_string(a) < http::to_string(b); });
    out.allowed.erase(std::unique(out.allowed.begin(), out.allowed.end()), out.allowed.end());
    out.outcome =
        out.allowed.empty() ? RouteMatch::Outcome::NotFound : RouteMatch::Outcome::MethodNotAllowed;
    return out;
  }
  out.allowed.clear();
  out.outcome = RouteMatch::Outcome::Found;
  out.handler = &best->handler;
  out.pattern = best->pattern;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (best->segments[i].capture) {
      out.params[best->segments[i].text] = std::move(segments[i]);
    }
  }
  return out;
}

std::vector<std::pair<boost::beast::http::verb, std::string>> Router::routes() const {
  std::vector<std::pair<boost::beast::http::verb, std::string>> out;
  for (const auto& r : routes_) {
    std::string pattern;
    for (const auto& s : r.segments) {
      pattern += s.capture ? "/{" + s.text + "}" : "/" + s.text;
    }
    out.emplace_back(r.method, pattern.empty() ? "/" : pattern);
  }
  return out;
}

} // namespace aic::api
