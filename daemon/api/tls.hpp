#pragma once

// TLS for aicd's TCP listener. A TLS connection is decrypted here and relayed, as plain bytes,
// over a socket pair to an ordinary Session, so routing, limits, streams and the exec upgrade
// work the same on TLS as on the unix socket.

#include "api/stream.hpp"
#include "core/result.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace aic::api {

/// A server context (TLS 1.2 or newer) with the certificate chain in `cert_file` and the private
/// key in `key_file`, both PEM. InvalidSpec naming the file when one cannot be read or parsed,
/// or when the key does not belong to the certificate.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);

/// Bounds of a TLS relay.
struct TlsRelayOptions {
  /// The client must finish its handshake within this time.
  std::chrono::milliseconds handshake_timeout{std::chrono::seconds(30)};
  /// A write to the client that takes longer (nobody reads) ends the relay.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  /// After the session's side ended, how long the client may take to close its side before the
  /// connection is cut (so what it still sends is read, not answered with a reset).
  std::chrono::milliseconds linger{std::chrono::seconds(2)};
};

/// Serves TLS on `client` (an accepted TCP connection) and relays the plaintext both ways to
/// `inner`, one end of a socket pair whose other end a Session serves, until both ends are done:
/// the client's end of input half-closes `inner`; the session's end (it closed or half-closed
/// its end) sends the client a close_notify and, after `linger`, closes the connection. A failed
/// or timed-out handshake closes both and is reported through `on_failure` (with `peer`, the
/// client's address, and the reason). Each direction holds one buffer of at most 16 KiB. Runs on
/// `client`'s executor; detached.
void start_tls_relay(std::shared_ptr<boost::asio::ssl::context> context, Stream::socket_type client,
                     Stream::socket_type inner, TlsRelayOptions options, std::string peer,
                     std::function<void(std::string_view reason)> on_failure);

} // namespace aic::api
