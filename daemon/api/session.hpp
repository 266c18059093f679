#pragma once

#include "api/request.hpp"
#include "api/responder.hpp"
#include "api/router.hpp"
#include "api/server_options.hpp"
#include "api/stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace aic::api {

class Session;

/// Who is at the other end of a connection, as limits count clients (`client`: "uid 1000" on
/// the unix socket, the address on TCP) and as logs name it (`peer`: "uid 1000 (pid 4242)",
/// "127.0.0.1:53124").
struct PeerIdentity {
  std::string client;
  std::string peer;
};

/// The identity of the peer of `fd`: SO_PEERCRED on a unix socket, the address on TCP.
PeerIdentity identify_peer(int fd, Transport transport);

/// Lets through at most `burst` messages per `window`; the first one let through after others
/// were held back says how many.
class LogLimiter {
public:
  LogLimiter(std::size_t burst, std::chrono::steady_clock::duration window)
      : burst_(burst), window_(window) {}

  /// The message to log now ("… (37 similar messages not logged)"), or nullopt to drop it.
  std::optional<std::string> admit(std::string_view message,
                                   std::chrono::steady_clock::time_point now);

private:
  std::size_t burst_;
  std::chrono::steady_clock::duration window_;
  std::chrono::steady_clock::time_point window_start_{};
  std::size_t in_window_ = 0;
  std::size_t dropped_ = 0;
};

/// What a server shares with its connections; they keep it alive past the server.
struct ServerState {
  ServerState(ServerOptions server_options, Router server_router)
      : options(std::move(server_options)), router(std::move(server_router)) {}

  ServerOptions options;
  Router router;
  bool stopping = false;
  std::map<std::uint64_t, Session*> sessions; // live connections, by id
  std::uint64_t next_session_id = 0;
  /// Requests in progress per client (Session::client()); entries at 0 are erased.
  std::map<std::string, std::size_t> requests_per_client;
  /// For what a client can make happen as often as it likes (refused tokens, evictions).
  LogLimiter noisy{20, std::chrono::seconds(10)};
  /// The TLS context of the TCP listener; null when TCP is plain (or off).
  std::shared_ptr<boost::asio::ssl::context> tls;

  void warn(std::string_view message) const {
    if (options.log) {
      options.log(message);
    }
  }
  /// warn() through `noisy`.
  void warn_limited(std::string_view message);
  /// Stops counting the requests of `client` whose connection is gone (the handler may still
  /// run; nobody waits for it): a client that gave up must not hold its slots.
  void forget_abandoned(const std::string& client);
};

/// One accepted connection: reads requests one at a time (HTTP/1.1 keep-alive), authenticates,
/// routes and runs handlers. Registered in ServerState::sessions while it exists.
/// Thread: the server's executor only.
class Session {
public:
  /// `identity` names the client when `socket` is not the client's own connection (TLS is
  /// relayed over a socket pair); otherwise identify_peer() finds it.
  Session(std::shared_ptr<ServerState> state, Stream::socket_type socket, Transport transport,
          std::optional<PeerIdentity> identity = std::nullopt);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// Serves requests until the connection ends, the client errs, or the server stops.
  boost::asio::awaitable<void> run();

  /// The server is stopping: an idle or reading connection closes now; a handler that has not
  /// answered yet may still answer (then the connection closes); a stream is cut.
  void stop();

  /// True while the running handler sends a stream.
  bool streaming() const {
    return responder_ != nullptr && responder_->state() == Responder::State::Streaming;
  }

  /// Waiting: for the head of the next request (idle keep-alive, or a slow client); Working:
  /// reading a body, running a handler, sending; Evicted: closed to make room, unwinding.
  enum class Phase : std::uint8_t { Waiting, Working, Evicted };
  Phase phase() const { return phase_; }
  /// When the current wait for a request head began.
  std::chrono::steady_clock::time_point waiting_since() const { return waiting_since_; }
  /// Closes a connection that is Waiting, so a new one can take its place.
  void evict();

  /// Who is at the other end, as limits count clients: "uid 1000" on the unix socket, the
  /// address on TCP.
  const std::string& client() const { return client_; }
  /// The client for logs: "uid 1000 (pid 4242)", "127.0.0.1:53124".
  const std::string& peer() const { return peer_; }
  /// Whether the running request counts in ServerState::requests_per_client; the count drops
  /// when it ends, or earlier through forget_abandoned() when its client went away.
  bool counted() const { return counted_; }
  /// A request runs and its client is gone (closed, reset, half-closed).
  bool abandoned() const { return responder_ != nullptr && responder_->client_gone(); }
  /// Counts the running request out of ServerState::requests_per_client (once).
  void release_request();

private:
  /// What one request came to, for ServerOptions::on_request.
  struct Served {
    bool head_read = false;
    std::string method;
    std::string_view route; // owned by the router
    int status = 0;
    std::chrono::steady_clock::time_point started;
  };

  /// Serves one request and reports it; false when the connection must close afterwards.
  boost::asio::awaitable<bool> serve_one();
  boost::asio::awaitable<bool> handle_one(Served& served);
  /// Answers a failed read of a request (400, 413, 431) or nothing when the peer went away;
  /// returns the status sent, 0 for none.
  boost::asio::awaitable<int> reject_read(const boost::beast::error_code& ec);
  /// Runs the routed handler and completes what it left undone; false to close afterwards.
  boost::asio::awaitable<bool> run_handler(const Handler& handler, Request& request,
                                           Responder& responder);
  /// Sends an error response on a connection whose input is not trusted any more, then closes
  /// it after draining what the client still sends (so the client reads the answer, not a reset).
  /// `ask_for_token` adds `WWW-Authenticate: Bearer` (401).
  boost::asio::awaitable<void> answer_and_close(int status, std::string_view code,
                                                std::string_view message, bool ask_for_token);
  void close();

  std::shared_ptr<ServerState> state_;
  Stream stream_;
  boost::beast::flat_buffer buffer_;
  Transport transport_;
  std::uint64_t id_;
  Responder* responder_ = nullptr; // the running handler's, while one runs
  Phase phase_ = Phase::Waiting;
  std::chrono::steady_clock::time_point waiting_since_ = std::chrono::steady_clock::now();
  std::string client_;
  std::string peer_;
  bool counted_ = false;
};

} // namespace aic::api
