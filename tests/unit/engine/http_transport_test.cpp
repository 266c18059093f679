#include "engine/http_transport.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace aic::engine {
namespace {

namespace asio = boost::asio;
using asio::local::stream_protocol;
using boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

/// One accepted connection of the fake engine, as seen by a scripted handler.
class ServerConnection {
public:
  explicit ServerConnection(stream_protocol::socket socket) : socket_(std::move(socket)) {}

  /// The raw request (head and Content-Length body), or nullopt when the client closed.
  asio::awaitable<std::optional<std::string>> read_request() {
    auto [ec, head_size] = co_await asio::async_read_until(socket_, asio::dynamic_buffer(pending_),
                                                           "\r\n\r\n", kNoThrow);
    if (ec) {
      co_return std::nullopt;
    }
    std::string request = pending_.substr(0, head_size);
    pending_.erase(0, head_size);
    const std::size_t body_size = content_length(request);
    if (pending_.size() < body_size) {
      auto [body_ec, n] =
          co_await asio::async_read(socket_, asio::dynamic_buffer(pending_),
                                    asio::transfer_exactly(body_size - pending_.size()), kNoThrow);
      (void)n;
      if (body_ec) {
        co_return std::nullopt;
      }
    }
    request += pending_.substr(0, body_size);
    pending_.erase(0, body_size);
    co_return request;
  }

  asio::awaitable<void> write(std::string bytes) {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), kNoThrow);
    (void)ec;
    (void)n;
  }

  /// Waits until the client goes away, answering nothing.
  asio::awaitable<void> stall() {
    char byte = 0;
    for (;;) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(&byte, 1), kNoThrow);
      (void)n;
      if (ec) {
        co_return;
      }
    }
  }

  void close() {
    error_code ignored;
    socket_.shutdown(stream_protocol::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

private:
  static std::size_t content_length(const std::string& head) {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto at = lower.find("\r\ncontent-length:");
    if (at == std::string::npos) {
      return 0;
    }
    return std::stoul(lower.substr(at + 17));
  }

  stream_protocol::socket socket_;
  std::string pending_;
};

using Handler = std::function<asio::awaitable<void>(ServerConnection&)>;

/// A fake engine on a temporary unix socket, served by its own thread and io_context.
class FakeEngine {
public:
  explicit FakeEngine(Handler handler) : handler_(std::move(handler)) {
    char dir_template[] = "/tmp/aic-http-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = dir;
    path_ = dir_ + "/engine.sock";
    acceptor_.open();
    acceptor_.bind(stream_protocol::endpoint(path_));
    acceptor_.listen();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeEngine() {
    io_.stop();
    thread_.join();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  const std::string& path() const { return path_; }
  int accepted() const { return accepted_.load(); }

  void record(std::string request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  std::vector<std::string> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

private:
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(kNoThrow);
      if (ec) {
        co_return;
      }
      ++accepted_;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(stream_protocol::socket socket) {
    ServerConnection connection(std::move(socket));
    co_await handler_(connection);
  }

  Handler handler_;
  asio::io_context io_;
  stream_protocol::acceptor acceptor_{io_};
  std::string dir_;
  std::string path_;
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

/// Answers every request on the connection with `response`, keeping it open.
Handler answer_each_request(std::string response) {
  return [response](ServerConnection& c) -> asio::awaitable<void> {
    while (co_await c.read_request()) {
      co_await c.write(response);
    }
  };
}

/// Answers the first request with `response` and closes the connection.
Handler answer_once_then_close(std::string response) {
  return [response](ServerConnection& c) -> asio::awaitable<void> {
    if (co_await c.read_request()) {
      co_await c.write(response);
    }
    c.close();
  };
}

asio::awaitable<void> drive(UnixHttpTransport& transport, std::vector<HttpRequest> requests,
                            std::vector<Result<HttpResponse>>& results) {
  for (auto& request : requests) {
    results.push_back(co_await transport.request(std::move(request)));
  }
}

/// Runs the requests one after the other on a fresh io_context; returns every result.
std::vector<Result<HttpResponse>> run_requests(UnixHttpTransport& transport, asio::io_context& io,
                                               std::vector<HttpRequest> requests) {
  std::vector<Result<HttpResponse>> results;
  asio::co_spawn(io, drive(transport, std::move(requests), results), asio::detached);
  io.run();
  io.restart();
  return results;
}

Result<HttpResponse> run_one(const std::string& socket_path, HttpRequest request) {
  asio::io_context io;
  UnixHttpTransport transport(io.get_executor(), socket_path);
  auto results = run_requests(transport, io, {std::move(request)});
  EXPECT_EQ(results.size(), 1u);
  return std::move(results.front());
}

HttpRequest get(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

TEST(HttpTransport, ReadsContentLengthBody) {
  FakeEngine engine(
      answer_each_request("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          "13\r\n\r\n{\"ok\":\"yes\"}\n"));
  auto result = run_one(engine.path(), get("/v1.41/info"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "{\"ok\":\"yes\"}\n");
  EXPECT_EQ(result->headers.at("content-type"), "application/json");
}

TEST(HttpTransport, ReadsChunkedBody) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"));
  auto result = run_one(engine.path(), get("/v1.41/version"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "hello, world");
}

TEST(HttpTransport, ReadsBodyDelimitedByConnectionClose) {
  FakeEngine engine(answer_once_then_close("HTTP/1.1 200 OK\r\n\r\nuntil the end"));
  asio::io_context io;
  UnixHttpTransport transport(io.get_executor(), engine.path());
  auto results = run_requests(transport, io, {get("/_ping")});
  ASSERT_TRUE(results.at(0)) << results.at(0).error().describe();
  EXPECT_EQ(results.at(0)->body, "until the end");
  EXPECT_EQ(transport.idle_connections(), 0u);
}

TEST(HttpTransport, ReusesKeepAliveConnection) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  asio::io_context io;
  UnixHttpTransport transport(io.get_executor(), engine.path());
  auto results = run_requests(transport, io, {get("/_ping"), get("/_ping"), get("/_ping")});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->body, "OK");
  }
  EXPECT_EQ(engine.accepted(), 1);
  EXPECT_EQ(transport.idle_connections(), 1u);
}

TEST(HttpTransport, RetriesOnceWhenReusedConnectionWasClosed) {
  // Claims keep-alive but closes after each answer, like an engine dropping idle connections.
  FakeEngine engine(answer_once_then_close("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  asio::io_context io;
  UnixHttpTransport transport(io.get_executor(), engine.path());
  auto results = run_requests(transport, io, {get("/_ping"), get("/_ping")});
  ASSERT_EQ(results.size(), 2u);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->body, "OK");
  }
  EXPECT_EQ(engine.accepted(), 2);
}

TEST(HttpTransport, StalledEngineTimesOut) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.stall();
  });
  HttpRequest request = get("/v1.41/info");
  request.deadline = std::chrono::milliseconds(200);
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Timeout);
  EXPECT_EQ(result.error().message(), "GET /v1.41/info: no answer within 200 ms");
}

TEST(HttpTransport, ConnectionDroppedMidBodyIsEngineUnavailable) {
  FakeEngine engine(
      answer_once_then_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"));
  auto result = run_one(engine.path(), get("/v1.41/containers/json"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find(engine.path()), std::string::npos);
}

TEST(HttpTransport, OversizedBodyIsInternalError) {
  FakeEngine engine(answer_each_request(
      "HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n0123456789abcdef0123456789abcdef"));
  HttpRequest request = get("/v1.41/images/json");
  request.max_body_bytes = 16;
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Internal);
  EXPECT_EQ(result.error().message(), "response body exceeds 16 bytes");
}

TEST(HttpTransport, OversizedChunkedBodyIsInternalError) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n"
                                        "0\r\n\r\n"));
  HttpRequest request = get("/v1.41/images/json");
  request.max_body_bytes = 20;
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Internal);
}

TEST(HttpTransport, MissingSocketIsEngineUnavailableNamingThePath) {
  char dir_template[] = "/tmp/aic-http-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/missing.sock";
  auto result = run_one(path, get("/_ping"));
  std::filesystem::remove_all(dir_template);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find("cannot reach the engine at " + path), std::string::npos)
      << result.error().message();
}

TEST(HttpTransport, ServerErrorIsReturnedAsResponse) {
  FakeEngine engine(answer_each_request("HTTP/1.1 500 Internal Server Error\r\n"
                                        "Content-Type: application/json\r\nContent-Length: 24\r\n"
                                        "\r\n{\"message\":\"it broke\"}\r\n"));
  auto result = run_one(engine.path(), get("/v1.41/containers/x/json"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 500);
  EXPECT_EQ(result->body, "{\"message\":\"it broke\"}\r\n");
}

TEST(HttpTransport, GarbageInsteadOfHttpIsEngineUnavailable) {
  FakeEngine engine(answer_once_then_close("this is not HTTP at all\r\n\r\n"));
  auto result = run_one(engine.path(), get("/_ping"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find("malformed response"), std::string::npos)
      << result.error().message();
}

TEST(HttpTransport, PostSendsBodyAndHeadersIntact) {
  FakeEngine* engine_ptr = nullptr;
  FakeEngine engine([&engine_ptr](ServerConnection& c) -> asio::awaitable<void> {
    while (auto request = co_await c.read_request()) {
      engine_ptr->record(std::move(*request));
      co_await c.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    }
  });
  engine_ptr = &engine;
  HttpRequest request;
  request.method = "POST";
  request.target = "/v1.41/containers/create?name=web-1";
  request.headers = {{"X-Registry-Auth", "e30="}};
  request.body = R"({"Image":"nginx","Env":["A=1"]})";
  auto result = run_one(engine.path(), request);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 201);

  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& raw = requests.front();
  EXPECT_EQ(raw.rfind("POST /v1.41/containers/create?name=web-1 HTTP/1.1\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("\r\nHost: docker\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nUser-Agent: aic/0.1\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nX-Registry-Auth: e30=\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Length: 31\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), request.body);
}

} // namespace
} // namespace aic::engine
