#include "api/server.hpp"

#include "api/session.hpp"
#include "api/tls.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace aic::api {

namespace asio = boost::asio;
using boost::system::error_code;
using UnixAcceptor = asio::local::stream_protocol::acceptor;
using TcpAcceptor = asio::ip::tcp::acceptor;

/// The listening sockets, shared with the accept loops so a loop never outlives them.
struct Listeners {
  std::optional<UnixAcceptor> unix_acceptor;
  std::optional<TcpAcceptor> tcp_acceptor;
};

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
/// Pause after a failed accept (out of descriptors), so the loop does not spin.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

void set_cloexec(int fd) {
  const int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) {
    ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
  }
}

std::string describe(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// A completion for co_spawn that reports an escaped exception instead of rethrowing it.
auto report_to(std::shared_ptr<ServerState> state, std::string what) {
  return [state = std::move(state), what = std::move(what)](const std::exception_ptr& failure) {
    if (failure) {
      state->warn(what + ": " + describe(failure));
    }
  };
}

/// Answers a connection over the limit with 503 and closes it, without waiting for anything.
void refuse(Stream::socket_type& socket, std::size_t limit) {
  const std::string body = R"({"error":{"code":"unavailable","message":"aicd is serving its )"
                           R"(maximum of )" +
                           std::to_string(limit) + R"( connections","details":[]}})";
  const std::string response = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                               "application/json\r\nConnection: close\r\nContent-Length: " +
                               std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(socket.native_handle(), response.data(), response.size(),
               MSG_DONTWAIT | MSG_NOSIGNAL);
  error_code ignored;
  socket.shutdown(asio::socket_base::shutdown_both, ignored);
  socket.close(ignored);
}

/// True when a new connection fits: under the limit, or after closing the connection that has
/// waited longest for a request head (idle keep-alives and slow senders go first, so a client
/// that holds many connections open without sending cannot lock others out).
bool make_room(ServerState& state) {
  std::size_t live = 0;
  Session* longest_waiting = nullptr;
  for (const auto& [id, session] : state.sessions) {
    if (session->phase() == Session::Phase::Evicted) {
      continue; // closed already, unwinding
    }
    ++live;
    if (session->phase() == Session::Phase::Waiting &&
        (longest_waiting == nullptr ||
         session->waiting_since() < longest_waiting->waiting_since())) {
      longest_waiting = session;
    }
  }
  if (live < state.options.max_connections) {
    return true;
  }
  if (longest_waiting == nullptr) {
    return false;
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - longest_waiting->waiting_since());
  state.warn_limited("closed the connection of " + longest_waiting->peer() + " after " +
                     std::to_string(waited.count()) + " ms without a request, to make room (" +
                     std::to_string(state.options.max_connections) + " connections open)");
  longest_waiting->evict();
  return true;
}

/// A TLS connection: decrypted by a relay (api/tls.hpp) into one end of a socket pair, served by
/// a Session on the other end that knows the TCP client. Null (the connection closed) when no
/// socket pair can be made.
std::shared_ptr<Session> relay_tls(const std::shared_ptr<ServerState>& state,
                                   Stream::socket_type socket) {
  PeerIdentity identity = identify_peer(socket.native_handle(), Transport::Tcp);
  std::array<int, 2> pair{};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair.data()) != 0) {
    state->warn_limited("refused a TLS connection from " + identity.peer +
                        ": no socket pair: " + std::strerror(errno));
    error_code ignored;
    socket.close(ignored);
    return nullptr;
  }
  const auto executor = socket.get_executor();
  const asio::generic::stream_protocol unix_stream(AF_UNIX, 0);
  Stream::socket_type session_end(executor, unix_stream, pair[0]);
  Stream::socket_type relay_end(executor, unix_stream, pair[1]);
  const ServerOptions& options = state->options;
  TlsRelayOptions relay_options;
  relay_options.handshake_timeout = options.header_timeout;
  relay_options.write_timeout = options.write_timeout;
  start_tls_relay(state->tls, std::move(socket), std::move(relay_end), relay_options, identity.peer,
                  [state](std::string_view reason) { state->warn_limited(reason); });
  return std::make_shared<Session>(state, std::move(session_end), Transport::Tcp,
                                   std::move(identity));
}

asio::awaitable<void> serve(std::shared_ptr<Session> session) {
  co_await session->run();
}

/// Accepts until the acceptor closes. `listeners` is held so `acceptor` outlives the loop.
template <typename Acceptor>
asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state,
                                  [[maybe_unused]] std::shared_ptr<Listeners> listeners,
                                  Acceptor& acceptor, Transport transport) {
  const auto executor = acceptor.get_executor();
  for (;;) {
    Stream::socket_type socket(executor);
    auto [ec] = co_await acceptor.async_accept(socket, kNoThrow);
    if (state->stopping || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {
      state->warn("accepting a connection failed: " + ec.message());
      asio::steady_timer pause(executor, kAcceptRetryDelay);
      co_await pause.async_wait(kNoThrow);
      continue;
    }
    set_cloexec(socket.native_handle());
    if (!make_room(*state)) {
      state->warn_limited(
          "refused a connection: " + std::to_string(state->options.max_connections) +
          " connections open, all serving requests");
      refuse(socket, state->options.max_connections);
      continue;
    }
    if (transport == Transport::Tcp) {
      error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    }
    std::shared_ptr<Session> session;
    if (transport == Transport::Tcp && state->tls) {
      session = relay_tls(state, std::move(socket));
      if (!session) {
        continue;
      }
    } else {
      session = std::make_shared<Session>(state, std::move(socket), transport);
    }
    asio::co_spawn(executor, serve(std::move(session)), report_to(state, "serving a connection"));
  }
}

std::string octal(int mode) {
  std::string out;
  for (int shift = 9; shift >= 0; shift -= 3) {
    out.push_back(static_cast<char>('0' + ((mode >> shift) & 7)));
  }
  return out;
}

Result<void> validate(const ServerOptions& options) {
  if (options.unix_socket_path.empty() && !options.tcp_listen) {
    return Error(ErrorCode::InvalidSpec, "no listener: set a unix socket path or a TCP address");
  }
  if ((options.unix_socket_mode & ~0777) != 0 || (options.unix_socket_mode & 0002) != 0) {
    return Error(ErrorCode::InvalidSpec, "unix socket mode " + octal(options.unix_socket_mode) +
                                             " is refused: the socket must not be world-writable");
  }
  if (options.tcp_listen && options.token.empty()) {
    return Error(ErrorCode::InvalidSpec,
                 "listening on TCP " + *options.tcp_listen + " needs an API token");
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return Error(ErrorCode::InvalidSpec, "TLS needs both a certificate and a key file");
  }
  if (!options.tls_cert_file.empty() && !options.tcp_listen) {
    return Error(ErrorCode::InvalidSpec, "TLS is for the TCP listener: set a TCP address too");
  }
  if (options.max_connections == 0) {
    return Error(ErrorCode::InvalidSpec, "max_connections must be at least 1");
  }
  if (options.max_requests_per_client == 0) {
    return Error(ErrorCode::InvalidSpec, "max_requests_per_client must be at least 1");
  }
  return {};
}

Result<asio::ip::tcp::endpoint> parse_listen(const std::string& text,
                                             const asio::any_io_executor& executor) {
  const auto bad = [&](const std::string& why) {
    return Error(ErrorCode::InvalidSpec, "TCP address '" + text + "': " + why);
  };
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return bad("expected HOST:PORT");
  }
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535 ||
      port_text.empty()) {
    return bad("the port must be a number from 0 to 65535");
  }
  error_code parse_ec;
  const auto address = asio::ip::make_address(host, parse_ec);
  if (!parse_ec) {
    return asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(port));
  }
  asio::ip::tcp::resolver resolver(executor);
  error_code resolve_ec;
  const auto results = resolver.resolve(host, port_text, resolve_ec);
  if (resolve_ec || results.empty()) {
    return bad("cannot resolve '" + host + "'" +
               (resolve_ec ? ": " + resolve_ec.message() : std::string()));
  }
  return results.begin()->endpoint();
}

} // namespace

Server::Server(asio::any_io_executor executor, ServerOptions options, Router router)
    : executor_(std::move(executor)),
      state_(std::make_shared<ServerState>(std::move(options), std::move(router))),
      listeners_(std::make_shared<Listeners>()) {}

Server::~Server() {
  stop();
}

std::size_t Server::connections() const {
  return state_->sessions.size();
}

std::size_t Server::open_streams() const {
  std::size_t n = 0;
  for (const auto& [id, session] : state_->sessions) {
    n += session->streaming() ? 1 : 0;
  }
  return n;
}

Result<void> Server::start() {
  if (started_) {
    return Error(ErrorCode::Internal, "the API server was already started");
  }
  const ServerOptions& options = state_->options;
  if (auto valid = validate(options); !valid) {
    return std::move(valid).error();
  }

  // Built completely before anything is shared, so a failure leaves nothing behind.
  std::optional<UnixAcceptor> unix_acceptor;
  std::optional<TcpAcceptor> tcp_acceptor;
  std::optional<SocketFileId> socket_file;
  const auto fail = [&](Error error) -> Result<void> {
    if (unix_acceptor) {
      error_code ignored;
      unix_acceptor->close(ignored);
    }
    if (socket_file) {
      remove_socket_file(options.unix_socket_path, *socket_file);
    }
    return error;
  };

  if (!options.unix_socket_path.empty()) {
    const std::string& path = options.unix_socket_path;
    if (auto prepared = prepare_socket_path(path); !prepared) {
      return std::move(prepared).error();
    }
    unix_acceptor.emplace(executor_);
    error_code ec;
    const asio::local::stream_protocol::endpoint endpoint(path);
    unix_acceptor->open(endpoint.protocol(), ec);
    if (!ec) {
      set_cloexec(unix_acceptor->native_handle());
      unix_acceptor->bind(endpoint, ec);
    }
    if (ec) {
      return fail(Error(ErrorCode::InvalidSpec, "cannot bind " + path + ": " + ec.message()));
    }
    // Permissions are set before listen(), so nobody connects through a laxer mode.
    auto secured = secure_socket_file(path, options.unix_socket_mode, options.unix_socket_group);
    if (!secured) {
      ::unlink(path.c_str());
      return fail(std::move(secured).error());
    }
    socket_file = *secured;
    unix_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return fail(Error(ErrorCode::Internal, "cannot listen on " + path + ": " + ec.message()));
    }
  }

  std::shared_ptr<asio::ssl::context> tls;
  if (!options.tls_cert_file.empty()) {
    auto context = make_tls_context(options.tls_cert_file, options.tls_key_file);
    if (!context) {
      return fail(std::move(context).error());
    }
    tls = std::move(*context);
  }

  if (options.tcp_listen) {
    auto endpoint = parse_listen(*options.tcp_listen, executor_);
    if (!endpoint) {
      return fail(std::move(endpoint).error());
    }
    tcp_acceptor.emplace(executor_);
    error_code ec;
    tcp_acceptor->open(endpoint->protocol(), ec);
    if (!ec) {
      set_cloexec(tcp_acceptor->native_handle());
      tcp_acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
      tcp_acceptor->bind(*endpoint, ec);
    }
    if (!ec) {
      tcp_acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
      return fail(Error(ErrorCode::InvalidSpec,
                        "cannot listen on TCP " + *options.tcp_listen + ": " + ec.message()));
    }
    tcp_port_ = tcp_acceptor->local_endpoint(ec).port();
  }

  started_ = true;
  socket_file_ = socket_file;
  state_->tls = std::move(tls);
  if (unix_acceptor) {
    listeners_->unix_acceptor.emplace(std::move(*unix_acceptor));
    asio::co_spawn(executor_,
                   accept_loop(state_, listeners_, *listeners_->unix_acceptor, Transport::Unix),
                   report_to(state_, "accepting on " + options.unix_socket_path));
  }
  if (tcp_acceptor) {
    listeners_->tcp_acceptor.emplace(std::move(*tcp_acceptor));
    asio::co_spawn(executor_,
                   accept_loop(state_, listeners_, *listeners_->tcp_acceptor, Transport::Tcp),
                   report_to(state_, "accepting on " + *options.tcp_listen));
  }
  return {};
}

void Server::stop() {
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;
  state_->stopping = true;
  error_code ignored;
  if (listeners_->unix_acceptor) {
    listeners_->unix_acceptor->close(ignored);
  }
  if (listeners_->tcp_acceptor) {
    listeners_->tcp_acceptor->close(ignored);
  }
  if (socket_file_) {
    remove_socket_file(state_->options.unix_socket_path, *socket_file_);
  }
  std::vector<Session*> sessions;
  for (const auto& [id, session] : state_->sessions) {
    sessions.push_back(session);
  }
  for (Session* session : sessions) {
    session->stop();
  }
}

} // namespace aic::api
