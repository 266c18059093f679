#pragma once

// A real api::Server on its own io_context thread, and a small blocking POSIX client with
// timeouts that speaks raw HTTP/1.1 to it, so tests see exactly the bytes on the wire.

#include "api/router.hpp"
#include "api/server.hpp"

#include <arpa/inet.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace aic::api::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;

/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
public:
  TempDir() {
    char name[] = "/tmp/aic-api-XXXXXX";
    if (::mkdtemp(name) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    path_ = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
  std::string path_;
};

/// A Server on a dedicated io_context thread. start() runs before the thread does; stop() and
/// on_io() hop onto it.
class ServerHarness {
public:
  ServerHarness(ServerOptions options, Router router)
      : work_(asio::make_work_guard(io_)),
        server_(
            std::make_unique<Server>(io_.get_executor(), std::move(options), std::move(router))) {}

  ~ServerHarness() {
    if (thread_.joinable()) {
      on_io([this] { server_->stop(); });
      work_.reset();
      io_.stop();
      thread_.join();
    }
    server_.reset();
  }
  ServerHarness(const ServerHarness&) = delete;
  ServerHarness& operator=(const ServerHarness&) = delete;

  /// Starts the server, then its thread; the result of Server::start().
  Result<void> start() {
    auto started = server_->start();
    thread_ = std::thread([this] { io_.run(); });
    return started;
  }

  /// Runs `fn` on the io thread and waits for it.
  template <typename F>
  auto on_io(F fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io_, [&task] { task(); });
    return result.get();
  }

  void stop() {
    on_io([this] { server_->stop(); });
  }
  /// The server's executor, for what handlers share with the test (an event hub).
  asio::any_io_executor executor() { return io_.get_executor(); }
  std::uint16_t tcp_port() const { return server_->tcp_port(); }
  std::size_t connections() {
    return on_io([this] { return server_->connections(); });
  }

private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

/// Options with the unix socket at `socket_path` and TCP on 127.0.0.1 (any port), token
/// "s3cret-token".
inline ServerOptions tcp_options(const std::string& socket_path) {
  ServerOptions options;
  options.unix_socket_path = socket_path;
  options.tcp_listen = "127.0.0.1:0";
  options.token = "s3cret-token";
  return options;
}

/// Polls `condition` every 5 ms for up to 10 s.
inline bool wait_for(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// The log lines a server wrote, from any thread.
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;

  std::function<void(std::string_view)> sink() {
    return [this](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
    };
  }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& line : lines) {
      out += line + "\n";
    }
    return out;
  }
};

/// One parsed response.
struct Response {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-cased names
  std::string body;
  bool keep_alive = false;

  std::string header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// A blocking client socket; every read waits at most `timeout`, then throws.
class Client {
public:
  static Client unix_socket(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      const int error = errno;
      ::close(fd);
      throw std::runtime_error("connect " + path + ": " + std::strerror(error));
    }
    return Client(fd);
  }

  static Client tcp(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
      const int error = errno;
      ::close(fd);
      throw std::runtime_error("connect 127.0.0.1: " + std::string(std::strerror(error)));
    }
    return Client(fd);
  }

  Client(Client&& other) noexcept : fd_(other.fd_), pending_(std::move(other.pending_)) {
    other.fd_ = -1;
  }
  Client& operator=(Client&&) = delete;
  ~Client() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }

  void send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {
        throw std::runtime_error("send: " + std::string(std::strerror(errno)));
      }
      sent += static_cast<std::size_t>(n);
    }
  }

  /// Sends a request with Content-Length (when there is a body) and reads the response.
  Response request(const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& extra_headers = "") {
    send(format(method, target, body, extra_headers));
    return read_response();
  }

  static std::string format(const std::string& method, const std::string& target,
                            const std::string& body = "", const std::string& extra_headers = "") {
    std::string out = method + " " + target + " HTTP/1.1\r\nHost: aicd\r\n" + extra_headers;
    if (!body.empty() || method == "POST" || method == "PUT") {
      out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    return out + "\r\n" + body;
  }

  /// Reads one complete response (any framing).
  Response read_response() {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    parser.body_limit(std::uint64_t{1} << 30);
    while (!parser.is_done()) {
      if (pending_.empty() && !fill()) {
        boost::beast::error_code ec;
        parser.put_eof(ec);
        if (ec) {
          throw std::runtime_error("connection closed before a complete response");
        }
        break;
      }
      boost::beast::error_code ec;
      const std::size_t used = parser.put(asio::buffer(pending_), ec);
      pending_.erase(0, used);
      if (ec == http::error::need_more) {
        if (!fill()) {
          throw std::runtime_error("connection closed mid-response");
        }
        continue;
      }
      if (ec) {
        throw std::runtime_error("bad response: " + ec.message());
      }
    }
    auto message = parser.release();
    Response out;
    out.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      out.headers[name] = std::string(field.value());
    }
    out.keep_alive = message.keep_alive();
    out.body = std::move(message.body());
    return out;
  }

  /// The raw head of a response ("HTTP/1.1 200 OK\r\n...\r\n\r\n").
  std::string read_head() { return read_until("\r\n\r\n"); }

  /// The next chunk's data of a chunked body; nullopt for the last chunk.
  std::optional<std::string> read_chunk() {
    const std::string size_line = read_until("\r\n");
    const std::size_t size = std::stoul(size_line, nullptr, 16);
    if (size == 0) {
      read_until("\r\n"); // no trailers
      return std::nullopt;
    }
    while (pending_.size() < size + 2) {
      if (!fill()) {
        throw std::runtime_error("connection closed mid-chunk");
      }
    }
    std::string data = pending_.substr(0, size);
    pending_.erase(0, size + 2);
    return data;
  }

  /// True when the server closes the connection (EOF or reset) within `timeout`.
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    for (;;) {
      try {
        if (!fill(timeout)) {
          return true;
        }
      } catch (const std::runtime_error&) {
        return false; // timed out
      }
      pending_.clear();
    }
  }

  /// Closes the sending side (the server sees end of input).
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  /// The next `n` raw bytes (an upgraded connection's stream).
  std::string read_bytes(std::size_t n) {
    while (pending_.size() < n) {
      if (!fill()) {
        throw std::runtime_error("connection closed after " + std::to_string(pending_.size()) +
                                 " of " + std::to_string(n) + " bytes");
      }
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
  }

private:
  explicit Client(int fd) : fd_(fd) {}

  std::string read_until(const std::string& delimiter) {
    for (;;) {
      const std::size_t at = pending_.find(delimiter);
      if (at != std::string::npos) {
        std::string out = pending_.substr(0, at + delimiter.size());
        pending_.erase(0, at + delimiter.size());
        return out;
      }
      if (!fill()) {
        throw std::runtime_error("connection closed before '" + delimiter + "'");
      }
    }
  }

  /// Appends what arrives; false on end of stream or reset; throws on timeout.
  bool fill(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    pollfd waiting{fd_, POLLIN, 0};
    const int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
    if (ready == 0) {
      throw std::runtime_error("timed out waiting for the server");
    }
    char buffer[16 * 1024];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      return false;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string pending_;
};

} // namespace aic::api::testing
