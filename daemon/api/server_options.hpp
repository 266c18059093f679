#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace aic::api {

/// One request served, for metrics (ServerOptions::on_request).
struct RequestRecord {
  std::string_view method; ///< as sent ("GET")
  /// The matched route's pattern ("/v1/projects/{name}"), never the raw path; "" when no route
  /// matched or the request was refused before routing.
  std::string_view route;
  int status = 0; ///< the status sent; 0 when none could be
  /// From the end of the request head to the end of the response (of the stream, for streams).
  std::chrono::nanoseconds duration{0};
};

/// Where and how aicd's API listens. At least one of unix_socket_path and tcp_listen.
struct ServerOptions {
  /// The unix socket (the CLI's default way in); "" for none. Its permissions are the access
  /// control: requests on it need no token.
  std::string unix_socket_path;
  /// Mode of the socket file; world-writable modes are refused.
  int unix_socket_mode = 0660;
  /// Group given the socket file (name or numeric id); nullopt keeps the process's group.
  std::optional<std::string> unix_socket_group;
  /// "HOST:PORT" ("127.0.0.1:0", "[::1]:7080") for a TCP listener; every request on it must
  /// carry `Authorization: Bearer <token>`.
  std::optional<std::string> tcp_listen;
  /// Required (non-empty) when tcp_listen is set.
  std::string token;
  /// PEM certificate chain and private key: with both set, the TCP listener speaks TLS (1.2 or
  /// newer) only. Both or neither; only with tcp_listen.
  std::string tls_cert_file;
  std::string tls_key_file;
  /// Larger request bodies get 413.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  /// Limit for receiving a request head, including the idle wait on a keep-alive connection.
  std::chrono::seconds header_timeout{30};
  /// Limit for receiving a request body once its head arrived.
  std::chrono::seconds body_timeout{300};
  /// Limit for each write of a response or of one streamed chunk.
  std::chrono::seconds write_timeout{30};
  /// Open connections at most. At the limit, a new connection takes the place of the one that
  /// has waited longest for a request head (an idle keep-alive or a slow sender); when every
  /// connection is serving a request, the new one gets a 503 and is closed.
  std::size_t max_connections = 256;
  /// Requests one client may have in progress at once (streams included: logs -f, events,
  /// exec, the progress of up and down); more get 429. A client is a uid on the unix socket and
  /// an address on TCP. Requests whose connection is gone stop counting (checked at the limit).
  std::size_t max_requests_per_client = 64;
  /// Receives warnings (handler exceptions, accept failures, refused tokens, connections
  /// closed to make room; the latter two at most 20 per 10 s); the server logs nothing itself.
  std::function<void(std::string_view)> log;
  /// Called once per request whose head was read, when it has been answered; must not throw.
  std::function<void(const RequestRecord&)> on_request;
};

} // namespace aic::api
