#pragma once

// A scripted fake Docker engine on a temporary unix socket (or on 127.0.0.1), for the faults a
// real engine cannot be made to show (dropped connections, stalls, garbage framing).

#include "engine/http_transport.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
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

namespace aic::engine::testing {

namespace asio = boost::asio;
using asio::local::stream_protocol;
using boost::system::error_code;

inline constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

/// One accepted connection of the fake engine, as seen by a scripted handler.
class ServerConnection {
public:
  /// A unix or TCP socket.
  using Socket = asio::generic::stream_protocol::socket;

  explicit ServerConnection(Socket socket) : socket_(std::move(socket)) {}

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

  /// Reads until `delimiter` (inclusive); nullopt when the client closed first.
  asio::awaitable<std::optional<std::string>> read_until(std::string delimiter) {
    auto [ec, size] = co_await asio::async_read_until(socket_, asio::dynamic_buffer(pending_),
                                                      delimiter, kNoThrow);
    if (ec) {
      co_return std::nullopt;
    }
    std::string out = pending_.substr(0, size);
    pending_.erase(0, size);
    co_return out;
  }

  /// Everything until the client half-closes or closes.
  asio::awaitable<std::string> read_to_end() {
    std::string out = std::move(pending_);
    pending_.clear();
    char buffer[4096];
    for (;;) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buffer), kNoThrow);
      out.append(buffer, n);
      if (ec) {
        co_return out;
      }
    }
  }

  /// Waits, without blocking the fake engine's thread.
  asio::awaitable<void> pause(std::chrono::milliseconds how_long) {
    asio::steady_timer timer(socket_.get_executor(), how_long);
    co_await timer.async_wait(kNoThrow);
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
    socket_.shutdown(Socket::shutdown_both, ignored);
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

  Socket socket_;
  std::string pending_;
};

using Handler = std::function<asio::awaitable<void>(ServerConnection&)>;

/// Where a fake engine listens.
enum class Listen : std::uint8_t {
  Unix, ///< a socket in a fresh temporary directory
  Tcp,  ///< 127.0.0.1 at an ephemeral port
};

/// A fake engine served by its own thread and io_context.
class FakeEngine {
public:
  explicit FakeEngine(Handler handler, Listen on = Listen::Unix) : handler_(std::move(handler)) {
    if (on == Listen::Unix) {
      char dir_template[] = "/tmp/aic-http-XXXXXX";
      const char* dir = ::mkdtemp(dir_template);
      if (dir == nullptr) {
        throw std::runtime_error("mkdtemp failed");
      }
      dir_ = dir;
      path_ = dir_ + "/engine.sock";
      acceptor_.emplace(io_);
      acceptor_->open();
      acceptor_->bind(stream_protocol::endpoint(path_));
      acceptor_->listen();
      asio::co_spawn(io_, accept_loop(*acceptor_), asio::detached);
    } else {
      tcp_acceptor_.emplace(io_);
      const asio::ip::tcp::endpoint loopback(asio::ip::make_address_v4("127.0.0.1"), 0);
      tcp_acceptor_->open(loopback.protocol());
      tcp_acceptor_->bind(loopback);
      tcp_acceptor_->listen();
      port_ = tcp_acceptor_->local_endpoint().port();
      asio::co_spawn(io_, accept_loop(*tcp_acceptor_), asio::detached);
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  ~FakeEngine() {
    io_.stop();
    thread_.join();
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  /// The socket path; "" for a TCP engine.
  const std::string& path() const { return path_; }
  /// The TCP port; 0 for a unix socket engine.
  std::uint16_t port() const { return port_; }
  /// What a client dials to reach this engine.
  EngineAddress address() const {
    EngineAddress address;
    if (tcp_acceptor_) {
      address.kind = EngineAddress::Kind::Tcp;
      address.host = "127.0.0.1";
      address.port = port_;
    } else {
      address.path = path_;
    }
    return address;
  }
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
  template <typename Acceptor>
  asio::awaitable<void> accept_loop(Acceptor& acceptor) {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kNoThrow);
      if (ec) {
        co_return;
      }
      ++accepted_;
      ServerConnection::Socket generic(std::move(socket));
      asio::co_spawn(io_, serve(std::move(generic)), asio::detached);
    }
  }

  asio::awaitable<void> serve(ServerConnection::Socket socket) {
    ServerConnection connection(std::move(socket));
    co_await handler_(connection);
  }

  Handler handler_;
  asio::io_context io_;
  std::optional<stream_protocol::acceptor> acceptor_;
  std::optional<asio::ip::tcp::acceptor> tcp_acceptor_;
  std::string dir_;
  std::string path_;
  std::uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

/// Answers every request on the connection with `response`, keeping it open.
inline Handler answer_each_request(std::string response) {
  return [response](ServerConnection& c) -> asio::awaitable<void> {
    while (co_await c.read_request()) {
      co_await c.write(response);
    }
  };
}

/// Answers the first request with `response` and closes the connection.
inline Handler answer_once_then_close(std::string response) {
  return [response](ServerConnection& c) -> asio::awaitable<void> {
    if (co_await c.read_request()) {
      co_await c.write(response);
    }
    c.close();
  };
}

/// A transport to the fake engine's socket.
inline EngineAddress unix_address(const std::string& path) {
  EngineAddress address;
  address.path = path;
  return address;
}

} // namespace aic::engine::testing
