#include "cli/tls_tunnel.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace aic::cli {

namespace {

/// Bytes read ahead on each side of the tunnel.
constexpr std::size_t kChunk = 16 * 1024;
/// After the client's side ended and close_notify went out: aicd's time to close.
constexpr int kLingerMs = 2000;

void set_nonblocking(int fd, bool on) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) {
    ::fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  }
}

/// OpenSSL's first queued error in words ("certificate verify failed"), cleared.
std::string openssl_reason() {
  const unsigned long code = ::ERR_get_error();
  ::ERR_clear_error();
  if (code == 0) {
    return "the connection closed during the TLS handshake";
  }
  const char* reason = ::ERR_reason_error_string(code);
  return reason != nullptr ? reason : "TLS error " + std::to_string(code);
}

/// Owns an SSL_CTX and an SSL, freed together.
struct TlsObjects {
  SSL_CTX* context = nullptr;
  SSL* ssl = nullptr;
  ~TlsObjects() {
    if (ssl != nullptr) {
      ::SSL_free(ssl);
    }
    if (context != nullptr) {
      ::SSL_CTX_free(context);
    }
  }
};

/// The tunnel's thread: TLS connection `tcp` <-> plain `inner`, both non-blocking.
void pump(TlsObjects* tls, int tcp, int inner) {
  std::string to_inner; // decrypted, not yet written to `inner`
  std::string to_tls;   // from `inner`, not yet encrypted
  bool inner_eof = false;
  bool tls_eof = false;
  bool shutdown_sent = false;
  bool inner_write_shut = false;
  int linger_left = kLingerMs;
  char buffer[kChunk];
  for (;;) {
    bool progress = false;
    short tcp_events = 0;
    short inner_events = 0;
    if (!tls_eof && to_inner.size() < kChunk) {
      const int n = ::SSL_read(tls->ssl, buffer, sizeof buffer);
      if (n > 0) {
        to_inner.append(buffer, static_cast<std::size_t>(n));
        progress = true;
      } else {
        const int error = ::SSL_get_error(tls->ssl, n);
        if (error == SSL_ERROR_WANT_READ) {
          tcp_events |= POLLIN;
        } else if (error == SSL_ERROR_WANT_WRITE) {
          tcp_events |= POLLOUT;
        } else {
          tls_eof = true; // close_notify, a closed connection or a TLS error
          ::ERR_clear_error();
          progress = true;
        }
      }
    }
    if (!to_inner.empty()) {
      const ssize_t n = ::send(inner, to_inner.data(), to_inner.size(), MSG_NOSIGNAL);
      if (n > 0) {
        to_inner.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        inner_events |= POLLOUT;
      } else {
        break; // the caller closed its end
      }
    }
    if (tls_eof && to_inner.empty() && !inner_write_shut) {
      ::shutdown(inner, SHUT_WR);
      inner_write_shut = true;
      progress = true;
    }
    // Only with nothing pending: a retried SSL_write must be given the same bytes.
    if (!inner_eof && to_tls.empty()) {
      const ssize_t n = ::recv(inner, buffer, sizeof buffer, 0);
      if (n > 0) {
        to_tls.append(buffer, static_cast<std::size_t>(n));
        progress = true;
      } else if (n == 0) {
        inner_eof = true;
        progress = true;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        inner_events |= POLLIN;
      } else {
        inner_eof = true;
        progress = true;
      }
    }
    if (!to_tls.empty()) {
      const int n = ::SSL_write(tls->ssl, to_tls.data(), static_cast<int>(to_tls.size()));
      if (n > 0) {
        to_tls.erase(0, static_cast<std::size_t>(n));
        progress = true;
      } else {
        const int error = ::SSL_get_error(tls->ssl, n);
        if (error == SSL_ERROR_WANT_READ) {
          tcp_events |= POLLIN;
        } else if (error == SSL_ERROR_WANT_WRITE) {
          tcp_events |= POLLOUT;
        } else {
          break;
        }
      }
    }
    if (inner_eof && to_tls.empty() && !shutdown_sent) {
      (void)::SSL_shutdown(tls->ssl); // sends close_notify; aicd's answer still comes in
      ::ERR_clear_error();
      shutdown_sent = true;
      progress = true;
    }
    if (tls_eof && to_inner.empty() && inner_eof) {
      break;
    }
    if (progress) {
      continue;
    }
    pollfd fds[2] = {{tcp, tcp_events, 0}, {inner, inner_events, 0}};
    const int wait = shutdown_sent ? 100 : 1000;
    const int ready = ::poll(fds, 2, wait);
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (shutdown_sent && ready == 0) {
      linger_left -= wait;
      if (linger_left <= 0) {
        break;
      }
    }
  }
  ::close(tcp);
  ::close(inner);
  delete tls;
}

bool is_ip_address(const std::string& host) {
  unsigned char out[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), out) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), out) == 1;
}

} // namespace

Result<Socket> open_tls_tunnel(Socket tcp, const HostAddress& address,
                               SteadyClock::time_point deadline) {
  static const bool initialised = [] {
    // No atexit cleanup: a tunnel thread may still be closing when aic exits.
    return ::OPENSSL_init_ssl(OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_LOAD_SSL_STRINGS, nullptr) == 1;
  }();
  const auto failed = [&](const std::string& what) {
    return Error(ErrorCode::EngineUnavailable,
                 "cannot connect to aicd at " + address.display() + ": " + what);
  };
  if (!initialised) {
    return failed("OpenSSL did not initialise");
  }
  auto tls = std::make_unique<TlsObjects>();
  tls->context = ::SSL_CTX_new(::TLS_client_method());
  if (tls->context == nullptr) {
    return failed(openssl_reason());
  }
  ::SSL_CTX_set_min_proto_version(tls->context, TLS1_2_VERSION);
  if (!address.tls_ca_file.empty()) {
    if (::SSL_CTX_load_verify_locations(tls->context, address.tls_ca_file.c_str(), nullptr) != 1) {
      return failed("cannot load the CA certificates in " + address.tls_ca_file + " (" +
                    openssl_reason() + ")");
    }
  } else {
    ::SSL_CTX_set_default_verify_paths(tls->context);
  }
  ::SSL_CTX_set_verify(tls->context, SSL_VERIFY_PEER, nullptr);
  tls->ssl = ::SSL_new(tls->context);
  if (tls->ssl == nullptr) {
    return failed(openssl_reason());
  }
  X509_VERIFY_PARAM* verify = ::SSL_get0_param(tls->ssl);
  if (is_ip_address(address.host)) {
    ::X509_VERIFY_PARAM_set1_ip_asc(verify, address.host.c_str());
  } else {
    ::X509_VERIFY_PARAM_set1_host(verify, address.host.c_str(), 0);
    ::SSL_set_tlsext_host_name(tls->ssl, address.host.c_str());
  }
  set_nonblocking(tcp.fd(), true);
  ::SSL_set_mode(tls->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  ::SSL_set_fd(tls->ssl, tcp.fd());
  for (;;) {
    const int done = ::SSL_connect(tls->ssl);
    if (done == 1) {
      break;
    }
    const int error = ::SSL_get_error(tls->ssl, done);
    short events = 0;
    if (error == SSL_ERROR_WANT_READ) {
      events = POLLIN;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      events = POLLOUT;
    } else {
      const long verified = ::SSL_get_verify_result(tls->ssl);
      if (verified != X509_V_OK) {
        ::ERR_clear_error();
        return failed(std::string("aicd's TLS certificate is not trusted: ") +
                      ::X509_verify_cert_error_string(verified) +
                      (address.tls_ca_file.empty()
                           ? " (give the CA that signed it with --tlscacert or AIC_TLS_CA_CERT)"
                           : " (checked against " + address.tls_ca_file + ")"));
      }
      return failed("TLS handshake failed: " + openssl_reason() +
                    " (does aicd listen there with --tlscert?)");
    }
    if (IoStatus ready = wait_for(tcp.fd(), events, Deadline{deadline, nullptr}); !ready.ok()) {
      return failed(ready.kind == Io::TimedOut ? "no TLS handshake before the deadline"
                                               : "TLS handshake failed: " + ready.detail);
    }
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return failed(std::string("socketpair: ") + std::strerror(errno));
  }
  set_nonblocking(pair[1], true);
  const int tcp_fd = tcp.release();
  std::thread(pump, tls.release(), tcp_fd, pair[1]).detach();
  return Socket(pair[0]);
}

} // namespace aic::cli
