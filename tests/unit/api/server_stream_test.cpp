#include "api/responder.hpp"
#include "api_test_support.hpp"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <sys/stat.h>

namespace aic::api {
namespace {

using namespace testing;
using nlohmann::json;
using namespace std::chrono_literals;

/// Waits on the handler's executor, without blocking it.
asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  co_await timer.async_wait(asio::use_awaitable);
}

/// Polls `done` until it holds (true) or `limit` passes (false).
template <typename Predicate>
bool eventually(Predicate done, std::chrono::milliseconds limit = 10s) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

/// What the test and the handler on the server's thread tell each other.
struct Gate {
  std::atomic<bool> released{false};
  std::atomic<bool> entered{false};
  std::atomic<int> written{0};
  std::atomic<bool> done{false};
  std::atomic<bool> last_write_ok{true};
  std::atomic<bool> saw_client_gone{false};

  /// Handler side: waits for release (at most 10 s) or, with `until_gone`, a vanished client.
  asio::awaitable<void> wait(Responder& responder, bool until_gone) {
    for (int i = 0; i < 2000 && !released; ++i) {
      if (until_gone && responder.client_gone()) {
        saw_client_gone = true;
        co_return;
      }
      co_await pause(5ms);
    }
  }
};

struct StreamServer {
  explicit StreamServer(Router router, ServerOptions options = {}) {
    options.unix_socket_path = dir.file("aicd.sock");
    harness = std::make_unique<ServerHarness>(std::move(options), std::move(router));
    auto started = harness->start();
    EXPECT_TRUE(started) << started.error().describe();
  }
  Client client() const { return Client::unix_socket(dir.file("aicd.sock")); }

  TempDir dir;
  std::unique_ptr<ServerHarness> harness;
};

TEST(ServerStream, ClientSeesEachLineBeforeTheNextIsWritten) {
  Gate gate;
  Router router;
  router.add(http::verb::get, "/v1/events",
             [&gate](Request&, Responder& r) -> asio::awaitable<void> {
               co_await r.start_stream(200, "application/x-ndjson");
               const json first = {{"n", 1}};
               co_await r.write_line(first);
               gate.written = 1;
               co_await gate.wait(r, false);
               co_await r.write_line("two");
               gate.written = 2;
               co_await r.finish();
             });
  router.add(http::verb::get, "/v1/ping", [](Request&, Responder& r) -> asio::awaitable<void> {
    co_await r.respond(200, "text/plain", "pong");
  });
  StreamServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("GET", "/v1/events"));
  const std::string head = client.read_head();
  EXPECT_NE(head.find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: application/x-ndjson"), std::string::npos);
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos);
  EXPECT_EQ(client.read_chunk(), "{\"n\":1}\n");
  EXPECT_LT(gate.written, 2); // line 2 waits for the release below
  gate.released = true;
  EXPECT_EQ(client.read_chunk(), "two\n");
  EXPECT_EQ(client.read_chunk(), std::nullopt);
  const Response after = client.request("GET", "/v1/ping"); // the connection stays usable
  EXPECT_EQ(after.body, "pong");
}

TEST(ServerStream, RawWritesCarryServerSentEventsAndStreamEndsWhenHandlerReturns) {
  Router router;
  router.add(http::verb::get, "/v1/sse", [](Request&, Responder& r) -> asio::awaitable<void> {
    co_await r.start_stream(200, "text/event-stream");
    co_await r.write("event: up\ndata: {}\n\n");
    co_await r.write(""); // nothing, and not the end of the stream
    co_await r.write("data: 2\n\n");
  });
  StreamServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("GET", "/v1/sse"));
  EXPECT_NE(client.read_head().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(client.read_chunk(), "event: up\ndata: {}\n\n");
  EXPECT_EQ(client.read_chunk(), "data: 2\n\n");
  EXPECT_EQ(client.read_chunk(), std::nullopt);
}

TEST(ServerStream, WriteToClientThatStopsReadingFailsAfterDeadline) {
  Gate gate;
  Router router;
  router.add(http::verb::get, "/v1/flood",
             [&gate](Request&, Responder& r) -> asio::awaitable<void> {
               co_await r.start_stream(200, "application/x-ndjson");
               const std::string line(64 * 1024, 'x');
               bool ok = true;
               for (int i = 0; i < 100000 && ok; ++i) {
                 ok = co_await r.write_line(line);
               }
               gate.last_write_ok = ok;
               gate.saw_client_gone = r.client_gone();
               gate.done = true;
             });
  ServerOptions options;
  options.write_timeout = 1s;
  StreamServer server(std::move(router), options);
  Client client = server.client();
  client.send(Client::format("GET", "/v1/flood"));
  // The client never reads.
  ASSERT_TRUE(eventually([&] { return gate.done.load(); }, 20s));
  EXPECT_FALSE(gate.last_write_ok);
  EXPECT_TRUE(gate.saw_client_gone);
  EXPECT_TRUE(eventually([&] { return server.harness->connections() == 0; }));
}

TEST(ServerStream, LongHandlerNoticesClosedClient) {
  Gate gate;
  Router router;
  router.add(http::verb::get, "/v1/logs", [&gate](Request&, Responder& r) -> asio::awaitable<void> {
    co_await r.start_stream(200, "application/x-ndjson");
    co_await r.write_line("hello");
    co_await gate.wait(r, true);
    gate.done = true;
  });
  StreamServer server(std::move(router));
  {
    Client client = server.client();
    client.send(Client::format("GET", "/v1/logs"));
    client.read_head();
    EXPECT_EQ(client.read_chunk(), "hello\n");
  }
  ASSERT_TRUE(eventually([&] { return gate.done.load(); }));
  EXPECT_TRUE(gate.saw_client_gone);
}

TEST(ServerStream, HandlerThrowingMidStreamCutsTheConnection) {
  Router router;
  router.add(http::verb::get, "/v1/broken", [](Request&, Responder& r) -> asio::awaitable<void> {
    co_await r.start_stream(200, "application/x-ndjson");
    co_await r.write_line("partial");
    throw std::runtime_error("lost the engine");
  });
  StreamServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("GET", "/v1/broken"));
  client.read_head();
  EXPECT_EQ(client.read_chunk(), "partial\n");
  EXPECT_THROW(client.read_chunk(), std::runtime_error); // no last chunk: closed mid-stream
}

TEST(ServerStream, StopCutsStreamsAndRemovesTheSocket) {
  Gate gate;
  Router router;
  router.add(http::verb::get, "/v1/events",
             [&gate](Request&, Responder& r) -> asio::awaitable<void> {
               co_await r.start_stream(200, "application/x-ndjson");
               co_await r.write_line("first");
               co_await gate.wait(r, true);
               gate.last_write_ok = co_await r.write_line("after stop");
               gate.done = true;
             });
  StreamServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("GET", "/v1/events"));
  client.read_head();
  EXPECT_EQ(client.read_chunk(), "first\n");
  server.harness->stop();
  EXPECT_TRUE(client.closed_by_server());
  ASSERT_TRUE(eventually([&] { return gate.done.load(); }));
  EXPECT_TRUE(gate.saw_client_gone);
  EXPECT_FALSE(gate.last_write_ok);
  struct stat info {};
  EXPECT_NE(::lstat(server.dir.file("aicd.sock").c_str(), &info), 0);
}

TEST(ServerStream, StopLetsAnUnansweredHandlerAnswerThenCloses) {
  Gate gate;
  Router router;
  router.add(http::verb::post, "/v1/projects/{name}/up",
             [&gate](Request& request, Responder& r) -> asio::awaitable<void> {
               gate.entered = true;
               co_await gate.wait(r, false);
               gate.saw_client_gone = r.client_gone();
               const json body = {{"project", request.param("name")}};
               gate.last_write_ok = co_await r.respond_json(200, body);
               gate.done = true;
             });
  StreamServer server(std::move(router));
  Client idle = server.client();
  Client busy = server.client();
  busy.send(Client::format("POST", "/v1/projects/demo/up"));
  ASSERT_TRUE(eventually([&] { return gate.entered.load(); }));
  server.harness->stop();
  EXPECT_TRUE(idle.closed_by_server());              // idle connections close at once
  EXPECT_THROW(server.client(), std::runtime_error); // the listener is gone
  gate.released = true;
  const Response response = busy.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_FALSE(response.keep_alive);
  EXPECT_EQ(json::parse(response.body).at("project"), "demo");
  EXPECT_TRUE(busy.closed_by_server());
  EXPECT_TRUE(gate.saw_client_gone); // told that the server is going away
  EXPECT_TRUE(gate.last_write_ok);
}

} // namespace
} // namespace aic::api
