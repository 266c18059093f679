#pragma once

#include "core/result.hpp"
#include "engine/docker_host.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic::engine {

/// Produces a request body piece by piece: the next chunk, or nullopt at the end. An error stops
/// the request. Chunks may be of any size; an empty chunk is skipped.
using BodySource = std::function<boost::asio::awaitable<Result<std::optional<std::string>>>()>;

/// One HTTP/1.1 request to the engine.
struct HttpRequest {
  std::string method = "GET"; // GET, POST, PUT, DELETE, HEAD
  std::string target;         // "/v1.41/containers/json?all=1"
  std::vector<std::pair<std::string, std::string>> headers;
  /// Sent with Content-Type: application/json when non-empty, unless `headers` name one.
  std::string body;
  /// When set, replaces `body`: streamed with chunked transfer encoding (a build context).
  /// Such a request is never retried.
  BodySource body_source;
  /// Covers connecting, writing and reading the response head (and, for request(), the whole
  /// body). With a body_source, every chunk gets a fresh window of this length.
  std::chrono::milliseconds deadline{30'000};
  std::size_t max_body_bytes = 64 * 1024 * 1024;
};

using HttpHeaders = std::map<std::string, std::string>; // lower-cased names, repeats joined ", "

/// Any complete response, whatever its status: non-2xx is not an error at this layer.
struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;
};

/// A response whose body is read as it arrives (logs, events, pull progress) on a connection of
/// its own, or, after `101 UPGRADED`, the raw two-way byte stream of attach and exec. Closing it
/// (or destroying it) drops the connection; a pending read then fails with Internal "cancelled".
/// A read that times out ends the stream (bytes may have been in flight). Arguments (`bytes`)
/// must outlive the awaitable: co_await it at once.
class HttpStream {
public:
  /// Largest piece one read() returns.
  static constexpr std::size_t kReadChunk = 64 * 1024;

  ~HttpStream();
  HttpStream(const HttpStream&) = delete;
  HttpStream& operator=(const HttpStream&) = delete;

  int status() const { return status_; }
  const HttpHeaders& headers() const { return headers_; }
  /// True once the engine switched protocols: read() and write() then carry raw bytes.
  bool upgraded() const { return upgraded_; }

  /// The next piece of the body (de-chunked), or nullopt at its end. Timeout when no byte
  /// arrives within `idle_timeout` (zero: wait forever); EngineUnavailable when the connection
  /// drops mid-body.
  boost::asio::awaitable<Result<std::optional<std::string>>>
  read(std::chrono::milliseconds idle_timeout);

  /// The rest of the body, at most `max_bytes` (Internal error past that).
  boost::asio::awaitable<Result<std::string>> read_all(std::size_t max_bytes,
                                                       std::chrono::milliseconds idle_timeout);

  /// Upgraded streams only: sends raw bytes (the container's stdin).
  boost::asio::awaitable<Result<void>> write(std::string_view bytes,
                                             std::chrono::milliseconds timeout);
  /// Upgraded streams only: half-closes the connection so the process sees end of input.
  Result<void> shutdown_write();
  /// Drops the connection; safe to call while a read is pending.
  void close();

  struct Impl; // the connection and parser state, opaque outside http_transport.cpp

private:
  friend class HttpTransport;
  explicit HttpStream(std::shared_ptr<Impl> impl);

  // Shared with the frames of pending reads and writes, which may resume after the stream is gone.
  std::shared_ptr<Impl> impl_;
  int status_ = 0;
  HttpHeaders headers_;
  bool upgraded_ = false;
};

/// HTTP/1.1 to the engine over a unix socket or TCP. request() reuses idle keep-alive
/// connections (at most kMaxIdleConnections are kept); a reused connection that fails before any
/// byte of the response was read is retried once on a fresh one. open_stream() always uses a
/// connection of its own. Thread: all calls on one strand/io_context; the transport must outlive
/// the coroutines and streams that use it.
class HttpTransport {
public:
  static constexpr std::size_t kMaxIdleConnections = 8;

  HttpTransport(boost::asio::any_io_executor executor, EngineAddress address);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// Errors: EngineUnavailable (socket missing, refused, reset, closed early, malformed HTTP),
  /// Timeout (deadline passed), Internal (body over max_body_bytes, bad request, cancelled).
  /// Never throws.
  boost::asio::awaitable<Result<HttpResponse>> request(HttpRequest request);

  /// Sends the request and reads the response head; the body is left to the stream. With
  /// `upgrade`, asks for the raw stream (`Connection: Upgrade`, `Upgrade: tcp`). Same errors as
  /// request().
  boost::asio::awaitable<Result<std::unique_ptr<HttpStream>>> open_stream(HttpRequest request,
                                                                          bool upgrade = false);

  /// Keep-alive connections parked for reuse.
  std::size_t idle_connections() const;

  const EngineAddress& address() const { return address_; }

private:
  struct Connection;

  boost::asio::awaitable<Result<HttpResponse>> send(const HttpRequest& request);
  boost::asio::awaitable<Result<std::unique_ptr<HttpStream>>> open(const HttpRequest& request,
                                                                   bool upgrade);

  boost::asio::any_io_executor executor_;
  EngineAddress address_;
  std::vector<std::unique_ptr<Connection>> idle_; // most recently used last
};

} // namespace aic::engine
