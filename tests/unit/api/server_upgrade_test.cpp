// HTTP upgrade (101 Switching Protocols): the handler owns the raw connection, bytes the client
// sent early are handed over, and the connection ends with the handler.

#include "api/responder.hpp"
#include "api_test_support.hpp"

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace aic::api {
namespace {

using namespace testing;
using namespace std::chrono_literals;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct UpgradeServer {
  explicit UpgradeServer(Router router) {
    ServerOptions options;
    options.unix_socket_path = dir.file("aicd.sock");
    harness = std::make_unique<ServerHarness>(std::move(options), std::move(router));
    auto started = harness->start();
    EXPECT_TRUE(started) << started.error().describe();
  }
  Client client() const { return Client::unix_socket(dir.file("aicd.sock")); }

  TempDir dir;
  std::unique_ptr<ServerHarness> harness;
};

/// Answers 101, sends back the early bytes, then echoes until the client's end of input.
struct EchoHandler {
  std::atomic<bool> saw_eof{false};
  std::atomic<bool> returned{false};

  asio::awaitable<void> operator()(Request& request, Responder& responder) {
    responder.set_header("Content-Type", "application/vnd.docker.raw-stream");
    Stream* stream = co_await responder.upgrade();
    if (stream == nullptr) {
      co_return;
    }
    std::string early = "early:" + request.leftover + "|";
    co_await asio::async_write(stream->socket(), asio::buffer(early), kNoThrow);
    std::array<char, 4096> buffer{};
    for (;;) {
      auto [ec, n] = co_await stream->socket().async_read_some(asio::buffer(buffer), kNoThrow);
      if (n > 0) {
        co_await asio::async_write(stream->socket(), asio::buffer(buffer.data(), n), kNoThrow);
      }
      if (ec) {
        saw_eof = ec == asio::error::eof;
        break;
      }
    }
    co_await asio::async_write(stream->socket(), asio::buffer(std::string_view("bye")), kNoThrow);
    returned = true;
  }
};

TEST(ServerUpgrade, HandlerEchoesOverTheRawConnectionAndGetsEarlyBytes) {
  auto echo = std::make_shared<EchoHandler>();
  Router router;
  router.add(http::verb::post, "/v1/echo", [echo](Request& request, Responder& responder) {
    return (*echo)(request, responder);
  });
  UpgradeServer server(std::move(router));
  Client client = server.client();
  // The request and the first raw bytes in one write, as a client that does not wait for 101.
  client.send(Client::format("POST", "/v1/echo", "", "Connection: Upgrade\r\nUpgrade: tcp\r\n") +
              "hello");
  const std::string head = client.read_head();
  EXPECT_EQ(head.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Connection: Upgrade\r\n"), std::string::npos);
  EXPECT_NE(head.find("Upgrade: tcp\r\n"), std::string::npos);
  EXPECT_NE(head.find("Content-Type: application/vnd.docker.raw-stream\r\n"), std::string::npos);
  EXPECT_EQ(client.read_bytes(12), "early:hello|");
  client.send(std::string("\x00\x01 binary\r\n", 11));
  EXPECT_EQ(client.read_bytes(11), std::string("\x00\x01 binary\r\n", 11));
  client.shutdown_write(); // the handler sees end of input, answers and returns
  EXPECT_EQ(client.read_bytes(3), "bye");
  EXPECT_TRUE(client.closed_by_server());
  EXPECT_TRUE(echo->saw_eof);
  EXPECT_TRUE(echo->returned);
}

TEST(ServerUpgrade, UpgradeRequestAnsweredNormallyClosesTheConnection) {
  Router router;
  router.add(http::verb::post, "/v1/refuse", [](Request&, Responder& r) -> asio::awaitable<void> {
    const Error error(ErrorCode::NotFound, "no such exec");
    co_await r.respond_error(error);
  });
  UpgradeServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("POST", "/v1/refuse", "", "Connection: Upgrade\r\nUpgrade: tcp\r\n") +
              "input that must not be read as a request");
  const Response answer = client.read_response();
  EXPECT_EQ(answer.status, 404);
  EXPECT_NE(answer.body.find("no such exec"), std::string::npos);
  EXPECT_FALSE(answer.keep_alive);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerUpgrade, StopCutsAnUpgradedConnection) {
  std::atomic<bool> read_failed{false};
  Router router;
  router.add(http::verb::post, "/v1/idle",
             [&read_failed](Request&, Responder& r) -> asio::awaitable<void> {
               Stream* stream = co_await r.upgrade();
               if (stream == nullptr) {
                 read_failed = true; // stopped while the 101 went out: no stream is handed over
                 co_return;
               }
               std::array<char, 16> buffer{};
               auto [ec, n] =
                   co_await stream->socket().async_read_some(asio::buffer(buffer), kNoThrow);
               (void)n;
               read_failed = static_cast<bool>(ec);
             });
  UpgradeServer server(std::move(router));
  Client client = server.client();
  client.send(Client::format("POST", "/v1/idle", "", "Connection: Upgrade\r\nUpgrade: tcp\r\n"));
  EXPECT_NE(client.read_head().find(" 101 "), std::string::npos);
  server.harness->stop();
  EXPECT_TRUE(client.closed_by_server());
  for (int i = 0; i < 200 && !read_failed; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(read_failed);
}

} // namespace
} // namespace aic::api
