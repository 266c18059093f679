#pragma once

#include "core/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace aic::engine {

/// One HTTP/1.1 request to the engine.
struct HttpRequest {
  std::string method = "GET"; // GET, POST, PUT, DELETE, HEAD
  std::string target;         // "/v1.41/containers/json?all=1"
  std::vector<std::pair<std::string, std::string>> headers;
  /// Sent with Content-Type: application/json when non-empty, unless `headers` name one.
  std::string body;
  /// Covers the whole request: connect, write and read, retries included.
  std::chrono::milliseconds deadline{30'000};
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

/// Any complete response, whatever its status: non-2xx is not an error at this layer.
struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-cased names; repeated fields joined by ", "
  std::string body;
};

/// Request/response calls over a unix socket, reusing idle keep-alive connections (at most
/// kMaxIdleConnections are kept). A reused connection that fails before any byte of the response
/// was read is retried once on a fresh one. Thread: all calls on one strand/io_context; the
/// transport must outlive the coroutines that use it.
class UnixHttpTransport {
public:
  static constexpr std::size_t kMaxIdleConnections = 8;

  UnixHttpTransport(boost::asio::any_io_executor executor, std::string socket_path);
  ~UnixHttpTransport();
  UnixHttpTransport(const UnixHttpTransport&) = delete;
  UnixHttpTransport& operator=(const UnixHttpTransport&) = delete;

  /// Errors: EngineUnavailable (socket missing, refused, reset, closed early, malformed HTTP),
  /// Timeout (deadline passed), Internal (body over max_body_bytes, bad request, cancelled).
  /// Never throws.
  boost::asio::awaitable<Result<HttpResponse>> request(HttpRequest request);

  /// Keep-alive connections parked for reuse.
  std::size_t idle_connections() const;

  const std::string& socket_path() const { return socket_path_; }

private:
  struct Connection;

  boost::asio::awaitable<Result<HttpResponse>> send(const HttpRequest& request);

  boost::asio::any_io_executor executor_;
  std::string socket_path_;
  std::vector<std::unique_ptr<Connection>> idle_; // most recently used last
};

} // namespace aic::engine
