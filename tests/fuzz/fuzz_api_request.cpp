// libFuzzer target for what aicd parses from its API clients before a handler acts: the HTTP
// request (Beast's parser with aicd's head and body limits, fed in pieces), the request target
// (path and query decoding), routing against aicd's route patterns, and the JSON request bodies
// (up, down, run, exec, build, pull, archive). The first byte picks the part (even: the HTTP
// request and what follows from it; odd: a JSON body for each request type), the second the
// size of the pieces the HTTP bytes are fed in. A broken invariant prints what broke and
// aborts; the decoders' nlohmann::json::exception is their documented failure, anything else
// escaping is a crash.

#include "api/request.hpp"
#include "api/router.hpp"
#include "proto/archive_types.hpp"
#include "proto/exec_types.hpp"
#include "proto/image_requests.hpp"
#include "proto/project_types.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace aic::api {
namespace {

namespace http = boost::beast::http;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_api_request: invariant broken: %s\n", what);
    std::abort();
  }
}

/// aicd's route shapes (daemon/api/*_routes.cpp); the handlers are never called.
const Router& routes() {
  static const Router router = [] {
    Router r;
    const Handler none = [](Request&, Responder&) -> boost::asio::awaitable<void> { co_return; };
    const std::pair<http::verb, const char*> table[] = {
        {http::verb::get, "/v1/version"},
        {http::verb::get, "/v1/projects"},
        {http::verb::get, "/v1/projects/{name}"},
        {http::verb::put, "/v1/projects/{name}"},
        {http::verb::delete_, "/v1/projects/{name}"},
        {http::verb::get, "/v1/projects/{name}/config"},
        {http::verb::get, "/v1/projects/{name}/logs"},
        {http::verb::get, "/v1/projects/{name}/events"},
        {http::verb::get, "/v1/projects/{name}/archive"},
        {http::verb::put, "/v1/projects/{name}/archive"},
        {http::verb::get, "/v1/projects/{name}/archive/stat"},
        {http::verb::post, "/v1/projects/{name}/exec"},
        {http::verb::get, "/v1/projects/{name}/exec/{id}"},
        {http::verb::post, "/v1/projects/{name}/exec/{id}/start"},
        {http::verb::post, "/v1/projects/{name}/exec/{id}/resize"},
        {http::verb::post, "/v1/projects/{name}/containers/{id}/attach"},
        {http::verb::post, "/v1/projects/{name}/containers/{id}/wait"},
        {http::verb::post, "/v1/projects/{name}/run"},
        {http::verb::post, "/v1/projects/{name}/build"},
        {http::verb::post, "/v1/projects/{name}/pull"},
        {http::verb::post, "/v1/projects/{name}/start"},
        {http::verb::get, "/v1/events"},
        {http::verb::get, "/v1/gpus"},
        {http::verb::get, "/metrics"},
    };
    for (const auto& [verb, pattern] : table) {
      r.add(verb, pattern, none);
    }
    return r;
  }();
  return router;
}

void route(Request& request) {
  RouteMatch match = routes().match(request.method, request.path);
  switch (match.outcome) {
  case RouteMatch::Outcome::Found:
    check(match.handler != nullptr, "a found route has a handler");
    for (const auto& [name, value] : match.params) {
      check(!value.empty(), "a capture is never empty");
      check(value.find('\0') == std::string::npos, "a capture holds no NUL");
    }
    break;
  case RouteMatch::Outcome::MethodNotAllowed:
    check(!match.allowed.empty(), "405 names the allowed methods");
    check(!match.allow_header().empty(), "405 has an Allow header");
    break;
  case RouteMatch::Outcome::NotFound:
  case RouteMatch::Outcome::BadPath:
    break;
  }
}

void parse_http(std::string_view bytes, std::size_t piece) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(1024 * 1024);
  parser.eager(true);
  std::size_t offset = 0;
  boost::beast::error_code ec;
  for (int rounds = 0; offset < bytes.size() && !parser.is_done(); ++rounds) {
    check(rounds < 100000, "the parser makes progress");
    const std::size_t n = std::min(piece, bytes.size() - offset);
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data() + offset, n), ec);
    if (ec == http::error::need_more) {
      if (n == bytes.size() - offset) {
        return; // incomplete: aicd would wait for more, under its header timeout
      }
      ec = {};
      piece = piece * 2; // the stream hands over more than the parser took
      offset += used;
      continue;
    }
    if (ec) {
      return; // aicd answers 400/413/431 and closes
    }
    offset += used;
    if (used == 0 && !parser.is_header_done()) {
      piece *= 2;
    }
  }
  if (!parser.is_header_done()) {
    return;
  }
  const auto& head = parser.get();
  Request request;
  request.method = head.method();
  request.method_name = std::string(head.method_string());
  request.target = std::string(head.target());
  for (const auto& field : head) {
    auto [it, inserted] =
        request.headers.try_emplace(std::string(field.name_string()), field.value());
    if (!inserted) {
      it->second.append(", ").append(field.value());
    }
  }
  (void)request.header("authorization");
  (void)request.header("Upgrade");
  Result<void> parsed = parse_target(request.target, request);
  if (!parsed) {
    check(!parsed.error().message().empty(), "a refused target says why");
    return;
  }
  check(!request.path.empty() && request.path.front() == '/', "an accepted path starts with /");
  check(request.path.find('?') == std::string::npos, "the path holds no query");
  for (const char* name : {"follow", "tail", "labels", "show_secrets", "services", "timeout"}) {
    (void)request.query_value(name);
  }
  route(request);
  if (parser.is_done()) {
    request.body = parser.get().body();
  }
}

template <typename T>
void decode(const nlohmann::json& j) {
  try {
    T value = j.get<T>();
    // What decodes must encode again, and decode to the same document.
    const nlohmann::json again = value;
    T round = again.get<T>();
    const nlohmann::json twice = round;
    check(again == twice, "a decoded request encodes the same twice");
  } catch (const nlohmann::json::exception&) {
    // aicd answers 400 "invalid … request"
  }
}

void decode_bodies(std::string_view bytes) {
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded()) {
    return; // aicd answers 400 "the request body is not a JSON object"
  }
  decode<proto::UpRequest>(j);
  decode<proto::DownOptions>(j);
  decode<proto::RunRequest>(j);
  decode<proto::ExecRequest>(j);
  decode<proto::BuildRequest>(j);
  decode<proto::PullRequest>(j);
  decode<proto::ArchiveTarget>(j);
}

} // namespace
} // namespace aic::api

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) {
    return 0;
  }
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  if ((data[0] & 1) == 0) {
    aic::api::parse_http(bytes, 1 + data[1]);
  } else {
    aic::api::decode_bodies(bytes);
  }
  return 0;
}
