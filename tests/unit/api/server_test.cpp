#include "api/responder.hpp"
#include "api_test_support.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace aic::api {
namespace {

using namespace testing;
using nlohmann::json;

Router test_router() {
  Router router;
  router.add(http::verb::get, "/v1/projects/{name}",
             [](Request& request, Responder& responder) -> asio::awaitable<void> {
               json query = json::object();
               for (const auto& [name, value] : request.query) {
                 query[name] = value;
               }
               const json body = {{"name", request.param("name")}, {"query", query}};
               co_await responder.respond_json(200, body);
             });
  router.add(http::verb::delete_, "/v1/projects/{name}",
             [](Request&, Responder& responder) -> asio::awaitable<void> {
               const json body = json::object();
               co_await responder.respond_json(200, body);
             });
  router.add(http::verb::post, "/v1/echo",
             [](Request& request, Responder& responder) -> asio::awaitable<void> {
               const json body = {
                   {"body", request.body},
                   {"content_type", std::string(request.header("content-TYPE").value_or(""))}};
               co_await responder.respond_json(201, body);
             });
  router.add(http::verb::get, "/v1/throw", [](Request&, Responder&) -> asio::awaitable<void> {
    throw std::runtime_error("boom");
    co_return;
  });
  router.add(http::verb::get, "/v1/silent",
             [](Request&, Responder&) -> asio::awaitable<void> { co_return; });
  router.add(http::verb::get, "/v1/missing",
             [](Request& request, Responder& responder) -> asio::awaitable<void> {
               const Error error =
                   Error(ErrorCode::NotFound, "no project " + request.param("x")).with_context("x");
               co_await responder.respond_error(error);
             });
  return router;
}

/// A server on a temporary unix socket with the test routes.
struct UnixServer {
  explicit UnixServer(ServerOptions options = {}) {
    options.unix_socket_path = dir.file("aicd.sock");
    options.log = [this](std::string_view line) {
      const std::lock_guard lock(mutex);
      warnings.emplace_back(line);
    };
    harness = std::make_unique<ServerHarness>(std::move(options), test_router());
    auto started = harness->start();
    EXPECT_TRUE(started) << started.error().describe();
  }
  Client client() const { return Client::unix_socket(dir.file("aicd.sock")); }
  std::vector<std::string> logged() {
    const std::lock_guard lock(mutex);
    return warnings;
  }

  TempDir dir;
  std::mutex mutex;
  std::vector<std::string> warnings;
  std::unique_ptr<ServerHarness> harness;
};

json error_of(const Response& response) {
  return json::parse(response.body).at("error");
}

TEST(Server, RoutesToHandlerWithDecodedParamsAndQuery) {
  UnixServer server;
  const Response response =
      server.client().request("GET", "/v1/projects/my%20proj?all=1&label=a%3Db+c");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("content-type"), "application/json");
  const json body = json::parse(response.body);
  EXPECT_EQ(body.at("name"), "my proj");
  EXPECT_EQ(body.at("query").at("all"), "1");
  EXPECT_EQ(body.at("query").at("label"), "a=b c");
}

TEST(Server, PassesBodyAndHeadersToHandler) {
  UnixServer server;
  const Response response = server.client().request("POST", "/v1/echo", R"({"x":1})",
                                                    "Content-Type: application/json\r\n");
  EXPECT_EQ(response.status, 201);
  const json body = json::parse(response.body);
  EXPECT_EQ(body.at("body"), R"({"x":1})");
  EXPECT_EQ(body.at("content_type"), "application/json");
}

TEST(Server, UnknownPathGets404Envelope) {
  UnixServer server;
  const Response response = server.client().request("GET", "/v1/nothing/here");
  EXPECT_EQ(response.status, 404);
  const json error = error_of(response);
  EXPECT_EQ(error.at("code"), "not_found");
  EXPECT_NE(error.at("message").get<std::string>().find("/v1/nothing/here"), std::string::npos);
  EXPECT_TRUE(error.at("details").is_array());
}

TEST(Server, OtherMethodOnKnownPathGets405WithAllow) {
  UnixServer server;
  const Response response = server.client().request("PUT", "/v1/projects/demo", "{}");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.header("allow"), "DELETE, GET");
  EXPECT_EQ(error_of(response).at("code"), "invalid_spec");
}

TEST(Server, HandlerErrorUsesEnvelopeAndStatusOfItsCode) {
  UnixServer server;
  const Response response = server.client().request("GET", "/v1/missing");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(error_of(response).at("code"), "not_found");
  EXPECT_EQ(error_of(response).at("message"), "x: no project ");
}

TEST(Server, MalformedRequestGets400AndClose) {
  UnixServer server;
  Client client = server.client();
  client.send("THIS IS NOT HTTP\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(error_of(response).at("code"), "invalid_spec");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, BadPercentEscapeInTargetGets400) {
  UnixServer server;
  const Response response = server.client().request("GET", "/v1/projects/x?a=%zz");
  EXPECT_EQ(response.status, 400);
  const Response path = server.client().request("GET", "/v1/projects/%zz");
  EXPECT_EQ(path.status, 400);
}

TEST(Server, BodyOverTheLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 16;
  UnixServer server(options);
  const std::string body(100, 'x');
  const Response response = server.client().request("POST", "/v1/echo", body);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(error_of(response).at("code"), "invalid_spec");
  EXPECT_NE(error_of(response).at("message").get<std::string>().find("16 bytes"),
            std::string::npos);

  Client chunked = server.client();
  chunked.send("POST /v1/echo HTTP/1.1\r\nHost: aicd\r\nTransfer-Encoding: chunked\r\n\r\n"
               "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.read_response().status, 413);

  const Response within = server.client().request("POST", "/v1/echo", "small");
  EXPECT_EQ(within.status, 201);
}

TEST(Server, RequestHeadOverTheLimitGets431AndClose) {
  UnixServer server;
  Client client = server.client();
  client.send("GET /v1/projects/p HTTP/1.1\r\nHost: aicd\r\nX-Big: " + std::string(70 * 1024, 'a') +
              "\r\n\r\n");
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 431);
  EXPECT_NE(error_of(response).at("message").get<std::string>().find("65536 bytes"),
            std::string::npos);
  EXPECT_TRUE(client.closed_by_server());
  // Many headers that add up past the limit count the same.
  std::string many = "GET /v1/projects/p HTTP/1.1\r\nHost: aicd\r\n";
  for (int i = 0; i < 2000; ++i) {
    many += "X-H" + std::to_string(i) + ": " + std::string(40, 'b') + "\r\n";
  }
  Client second = server.client();
  second.send(many + "\r\n");
  EXPECT_EQ(second.read_response().status, 431);
  EXPECT_EQ(server.client().request("GET", "/v1/projects/p").status, 200);
}

TEST(Server, KeepsConnectionAliveAcrossRequests) {
  UnixServer server;
  Client client = server.client();
  const Response first = client.request("GET", "/v1/projects/a");
  EXPECT_EQ(first.status, 200);
  EXPECT_TRUE(first.keep_alive);
  const Response second = client.request("DELETE", "/v1/projects/a");
  EXPECT_EQ(second.status, 200);
  const Response third = client.request("GET", "/v1/nothing");
  EXPECT_EQ(third.status, 404);
  EXPECT_EQ(json::parse(client.request("GET", "/v1/projects/b").body).at("name"), "b");
}

TEST(Server, AnswersPipelinedRequestsInOrder) {
  UnixServer server;
  Client client = server.client();
  client.send(Client::format("GET", "/v1/projects/one") +
              Client::format("GET", "/v1/projects/two"));
  EXPECT_EQ(json::parse(client.read_response().body).at("name"), "one");
  EXPECT_EQ(json::parse(client.read_response().body).at("name"), "two");
}

TEST(Server, ClosesWhenClientAsksForIt) {
  UnixServer server;
  Client client = server.client();
  const Response response = client.request("GET", "/v1/projects/a", "", "Connection: close\r\n");
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(Server, HandlerThrowingGets500AndServerKeepsServing) {
  UnixServer server;
  Client client = server.client();
  const Response response = client.request("GET", "/v1/throw");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(error_of(response).at("code"), "internal");
  EXPECT_NE(error_of(response).at("message").get<std::string>().find("boom"), std::string::npos);
  EXPECT_EQ(client.request("GET", "/v1/projects/a").status, 200); // same connection
  EXPECT_EQ(server.client().request("GET", "/v1/projects/b").status, 200);
  const auto logged = server.logged();
  ASSERT_EQ(logged.size(), 1u);
  EXPECT_NE(logged[0].find("boom"), std::string::npos);
}

TEST(Server, HandlerThatSendsNothingGets500) {
  UnixServer server;
  const Response response = server.client().request("GET", "/v1/silent");
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(error_of(response).at("code"), "internal");
}

TEST(Server, AnswersExpectContinueBeforeTheBody) {
  UnixServer server;
  Client client = server.client();
  client.send("POST /v1/echo HTTP/1.1\r\nHost: aicd\r\nExpect: 100-continue\r\n"
              "Content-Length: 5\r\n\r\n");
  EXPECT_EQ(client.read_head(), "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("hello");
  const Response response = client.read_response();
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(json::parse(response.body).at("body"), "hello");
}

TEST(Server, ClosesConnectionWhoseHeadDoesNotArriveInTime) {
  ServerOptions options;
  options.header_timeout = std::chrono::seconds(1);
  UnixServer server(options);
  Client client = server.client();
  client.send("GET /v1/projects/a HTTP/1.1\r\nHost: ai");
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server(std::chrono::seconds(5)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST(Server, ServesAfterClientVanishesMidRequest) {
  UnixServer server;
  {
    Client client = server.client();
    client.send("POST /v1/echo HTTP/1.1\r\nHost: aicd\r\nContent-Length: 50\r\n\r\nonly some");
  }
  EXPECT_EQ(server.client().request("GET", "/v1/projects/a").status, 200);
}

} // namespace
} // namespace aic::api
