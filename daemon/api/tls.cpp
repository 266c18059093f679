#include "api/tls.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <utility>

namespace aic::api {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kRelayBuffer = 16 * 1024;

/// InvalidSpec unless `path` names a regular file this process can read.
Result<void> check_readable(const std::string& path, std::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return Error(ErrorCode::InvalidSpec, "cannot read the TLS " + std::string(what) + " " + path);
  }
  return {};
}

/// One TLS connection and the plain socket it is relayed to; shared by both directions and the
/// timers that cut it.
struct TlsRelay {
  TlsRelay(std::shared_ptr<ssl::context> tls_context, Stream::socket_type client,
           Stream::socket_type inner_socket, TlsRelayOptions relay_options, std::string peer_name,
           std::function<void(std::string_view)> failure)
      : context(std::move(tls_context)), tls(std::move(client), *context),
        inner(std::move(inner_socket)), watchdog(inner.get_executor()),
        linger(inner.get_executor()), options(relay_options), on_failure(std::move(failure)),
        peer(std::move(peer_name)) {}

  /// Closes both sockets: every pending operation ends.
  void cut() {
    error_code ignored;
    tls.next_layer().close(ignored);
    inner.close(ignored);
    linger.cancel();
  }

  std::shared_ptr<ssl::context> context;
  ssl::stream<Stream::socket_type> tls;
  Stream::socket_type inner;
  asio::steady_timer watchdog; ///< cuts the connection when a handshake or write takes too long
  asio::steady_timer linger;   ///< after the session's end, the client's time to close
  TlsRelayOptions options;
  std::function<void(std::string_view)> on_failure;
  std::string peer;
  bool timed_out = false;
  bool client_done = false;
};

/// Cuts the relay unless disarm() comes within `limit`. The handler holds the relay, so it may
/// fire after the coroutine that armed it is gone.
void arm(const std::shared_ptr<TlsRelay>& relay, std::chrono::milliseconds limit) {
  relay->watchdog.expires_after(limit);
  relay->watchdog.async_wait([relay](const error_code& ec) {
    if (!ec) {
      relay->timed_out = true;
      relay->cut();
    }
  });
}

void disarm(const std::shared_ptr<TlsRelay>& relay) {
  relay->watchdog.cancel();
}

/// Client to session: decrypts and writes; the client's end of input half-closes `inner`.
asio::awaitable<void> client_to_session(std::shared_ptr<TlsRelay> relay) {
  std::array<char, kRelayBuffer> buffer{};
  for (;;) {
    auto [ec, n] = co_await relay->tls.async_read_some(asio::buffer(buffer), kNoThrow);
    if (n > 0) {
      // The session reads at its own pace and has its own timeouts; a closed session ends this.
      auto [write_ec, written] =
          co_await asio::async_write(relay->inner, asio::buffer(buffer.data(), n), kNoThrow);
      if (write_ec) {
        break;
      }
    }
    if (ec) {
      break;
    }
  }
  relay->client_done = true;
  error_code ignored;
  relay->inner.shutdown(asio::socket_base::shutdown_send, ignored);
  relay->linger.cancel();
}

/// Session to client: encrypts and writes, each write within write_timeout; at the session's
/// end sends close_notify, waits up to `linger` for the client to close, then cuts.
asio::awaitable<void> session_to_client(std::shared_ptr<TlsRelay> relay) {
  std::array<char, kRelayBuffer> buffer{};
  for (;;) {
    auto [ec, n] = co_await relay->inner.async_read_some(asio::buffer(buffer), kNoThrow);
    if (n > 0) {
      arm(relay, relay->options.write_timeout);
      auto [write_ec, written] =
          co_await asio::async_write(relay->tls, asio::buffer(buffer.data(), n), kNoThrow);
      disarm(relay);
      if (write_ec) {
        relay->cut();
        co_return;
      }
    }
    if (ec) {
      break;
    }
  }
  // Marking the client's close_notify as received makes the shutdown only send ours instead of
  // also reading (the other direction owns reading); the client's reply, if any, ends that one.
  ::SSL_set_shutdown(relay->tls.native_handle(),
                     ::SSL_get_shutdown(relay->tls.native_handle()) | SSL_RECEIVED_SHUTDOWN);
  arm(relay, relay->options.write_timeout);
  co_await relay->tls.async_shutdown(kNoThrow);
  disarm(relay);
  if (!relay->client_done) {
    relay->linger.expires_after(relay->options.linger);
    co_await relay->linger.async_wait(kNoThrow);
  }
  relay->cut();
}

asio::awaitable<void> run(std::shared_ptr<TlsRelay> relay) {
  arm(relay, relay->options.handshake_timeout);
  auto [ec] = co_await relay->tls.async_handshake(ssl::stream_base::server, kNoThrow);
  disarm(relay);
  if (ec) {
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(relay->options.handshake_timeout);
    relay->on_failure("TLS handshake with " + relay->peer + " failed: " +
                      (relay->timed_out
                           ? "not finished within " + std::to_string(seconds.count()) + " s"
                           : ec.message()));
    relay->cut();
    co_return;
  }
  using namespace asio::experimental::awaitable_operators;
  co_await (client_to_session(relay) && session_to_client(relay));
  relay->cut();
}

} // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const std::string& cert_file,
                                                       const std::string& key_file) {
  if (auto readable = check_readable(cert_file, "certificate"); !readable) {
    return std::move(readable).error();
  }
  if (auto readable = check_readable(key_file, "key"); !readable) {
    return std::move(readable).error();
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  ::SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_options(ssl::context::default_workarounds | ssl::context::single_dh_use);
  error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return Error(ErrorCode::InvalidSpec, "cannot use the TLS certificate " + cert_file +
                                             " (a PEM certificate chain): " + ec.message());
  }
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  const auto mismatch = [&] {
    return Error(ErrorCode::InvalidSpec,
                 "the TLS key " + key_file + " does not belong to the certificate " + cert_file);
  };
  if (ec && ec.category() == asio::error::get_ssl_category() &&
      ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH) {
    return mismatch();
  }
  if (ec) {
    return Error(ErrorCode::InvalidSpec,
                 "cannot use the TLS key " + key_file + " (a PEM private key): " + ec.message());
  }
  if (::SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return mismatch();
  }
  return context;
}

void start_tls_relay(std::shared_ptr<ssl::context> context, Stream::socket_type client,
                     Stream::socket_type inner, TlsRelayOptions options, std::string peer,
                     std::function<void(std::string_view)> on_failure) {
  auto executor = client.get_executor();
  auto relay = std::make_shared<TlsRelay>(std::move(context), std::move(client), std::move(inner),
                                          options, std::move(peer), std::move(on_failure));
  asio::co_spawn(executor, run(std::move(relay)), asio::detached);
}

} // namespace aic::api
