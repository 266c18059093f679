#pragma once

#include "api/router.hpp"
#include "api/server_options.hpp"
#include "api/unix_socket_file.hpp"
#include "core/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace aic::api {

struct ServerState;
struct Listeners;

/// aicd's HTTP/1.1 API server: a unix socket listener (access by file permissions) and/or a
/// TCP listener (access by bearer token), keep-alive connections serving one request at a time,
/// routed to handlers. Thread: construct, start() and stop() on the executor's thread (or before
/// it runs); handlers run on that executor.
class Server {
public:
  Server(boost::asio::any_io_executor executor, ServerOptions options, Router router);
  /// Stops when still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds the listeners and starts accepting. InvalidSpec for bad options (no listener, a
  /// world-writable mode, TCP without a token, an unknown group, a bad address); Conflict when
  /// another aicd is listening on the socket path or the path is not a socket. Creates the
  /// socket's parent directory (0755) when missing and replaces a stale socket file.
  Result<void> start();

  /// Closes the listeners, removes the socket file, closes idle connections and cuts streams at
  /// once. Handlers that have not answered yet keep running (their work is not interrupted) and
  /// their answer still goes out, with `Connection: close`; Responder::client_gone() turns true
  /// for them. Idempotent.
  void stop();

  /// The bound TCP port (useful with "HOST:0"); 0 without a TCP listener.
  std::uint16_t tcp_port() const { return tcp_port_; }
  /// Open connections.
  std::size_t connections() const;
  /// Connections whose handler is sending a stream (events, logs, progress) right now.
  std::size_t open_streams() const;

private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<Listeners> listeners_;
  std::optional<SocketFileId> socket_file_;
  std::uint16_t tcp_port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
};

} // namespace aic::api
