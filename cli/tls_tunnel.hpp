#pragma once

// TLS to an aicd that listens with --tlscert (an https:// address). The handshake runs in the
// calling thread within the connect deadline; afterwards a thread of the tunnel's own relays
// bytes between the TLS connection and one end of a socket pair, and the caller gets the other
// end: a plain socket, so the HTTP client, streams and exec work on it unchanged.

#include "cli/host_address.hpp"
#include "cli/http_socket.hpp"
#include "core/result.hpp"

namespace aic::cli {

/// Runs a TLS handshake (1.2 or newer) on the connected TCP socket `tcp` before `deadline`,
/// verifying aicd's certificate against `address.tls_ca_file` (the system's trust store when
/// empty) and `address.host` (a name or an IP address), then returns the plain end of the
/// tunnel. The tunnel's thread ends when either side closes (after a close_notify on the client's
/// end of input, it waits at most 2 s for aicd to close). Errors: EngineUnavailable naming the
/// address and what failed (the certificate's verification, the handshake, a timeout).
Result<Socket> open_tls_tunnel(Socket tcp, const HostAddress& address,
                               SteadyClock::time_point deadline);

} // namespace aic::cli
