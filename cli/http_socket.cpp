#include "cli/http_socket.hpp"

#include "cli/tls_tunnel.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace aic::cli {
namespace {

using namespace std::chrono_literals;

/// How long a wait runs before looking at the cancel flag again.
constexpr std::chrono::milliseconds kCancelSlice{100};
/// How long to wait before connecting again to a unix socket whose backlog is full.
constexpr std::chrono::milliseconds kBacklogRetry{10};

std::string os_reason(int error) {
  return lowercase_first(std::strerror(error));
}

IoStatus errno_status(int error) {
  if (error == EPIPE) {
    return {Io::Closed, "the connection was closed"};
  }
  return {Io::Failed, os_reason(error)};
}

bool passed(const Deadline& deadline) {
  return deadline.at != SteadyClock::time_point::max() && SteadyClock::now() >= deadline.at;
}

/// The poll timeout of the next wait: the time left (rounded up), cut to a slice when there is
/// a cancel flag to look at; -1 for no limit.
int poll_timeout(const Deadline& deadline) {
  long long ms = -1;
  if (deadline.at != SteadyClock::time_point::max()) {
    ms = std::max<long long>(
        0, std::chrono::ceil<std::chrono::milliseconds>(deadline.at - SteadyClock::now()).count());
  }
  if (deadline.cancel != nullptr && (ms < 0 || ms > kCancelSlice.count())) {
    ms = kCancelSlice.count();
  }
  return static_cast<int>(std::min<long long>(ms, INT_MAX));
}

struct Target {
  sockaddr_storage address{};
  socklen_t length = 0;
};

Result<std::vector<Target>> resolve(const HostAddress& address) {
  std::vector<Target> targets;
  if (address.kind == HostAddress::Kind::Unix) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof(un.sun_path)) {
      return unreachable(address, "socket path too long");
    }
    std::memcpy(un.sun_path, address.path.c_str(), address.path.size() + 1);
    Target target;
    std::memcpy(&target.address, &un, sizeof(un));
    target.length = static_cast<socklen_t>(sizeof(un));
    targets.push_back(target);
    return targets;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(address.port);
  const int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    const std::string why = rc == EAI_SYSTEM ? os_reason(errno) : lowercase_first(gai_strerror(rc));
    return unreachable(address, "cannot resolve " + address.host + ": " + why);
  }
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_addrlen <= sizeof(sockaddr_storage)) {
      Target target;
      std::memcpy(&target.address, a->ai_addr, a->ai_addrlen);
      target.length = a->ai_addrlen;
      targets.push_back(target);
    }
  }
  ::freeaddrinfo(found);
  return targets;
}

/// One connection attempt; 0 or the errno of the failure.
int connect_one(const Target& target, SteadyClock::time_point deadline, Socket& out) {
  const int family = target.address.ss_family;
  Socket socket(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!socket.is_open()) {
    return errno;
  }
  const auto* address = reinterpret_cast<const sockaddr*>(&target.address);
  for (;;) {
    if (::connect(socket.fd(), address, target.length) == 0) {
      break;
    }
    const int error = errno;
    if (error == EINTR) {
      continue;
    }
    if (error == EAGAIN && family == AF_UNIX) {
      // The listener's backlog is full: it takes no connection yet, so try again shortly.
      if (SteadyClock::now() + kBacklogRetry >= deadline) {
        return ETIMEDOUT;
      }
      (void)::poll(nullptr, 0, static_cast<int>(kBacklogRetry.count()));
      continue;
    }
    if (error != EINPROGRESS) {
      return error;
    }
    const IoStatus ready = wait_for(socket.fd(), POLLOUT, Deadline{deadline, nullptr});
    if (ready.kind == Io::TimedOut) {
      return ETIMEDOUT;
    }
    int so_error = 0;
    socklen_t size = sizeof(so_error);
    if (!ready.ok() || ::getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &so_error, &size) != 0) {
      return ready.ok() ? errno : EIO;
    }
    if (so_error != 0) {
      return so_error;
    }
    break;
  }
  if (family != AF_UNIX) {
    const int on = 1;
    (void)::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    (void)::setsockopt(socket.fd(), SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
  }
  const int flags = ::fcntl(socket.fd(), F_GETFL);
  (void)::fcntl(socket.fd(), F_SETFL, flags & ~O_NONBLOCK);
  out = std::move(socket);
  return 0;
}

} // namespace

Deadline Deadline::after(std::chrono::milliseconds timeout) {
  return Deadline{}.capped(timeout);
}

Deadline Deadline::capped(std::chrono::milliseconds timeout) const {
  Deadline out = *this;
  const SteadyClock::time_point now = SteadyClock::now();
  const auto room =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::time_point::max() - now);
  if (timeout.count() > 0 && timeout < room) {
    out.at = std::min(out.at, now + timeout);
  }
  return out;
}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.release();
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

int Socket::release() {
  return std::exchange(fd_, -1);
}

Error unreachable(const HostAddress& address, const std::string& reason, bool permission_denied) {
  std::vector<std::string> details;
  if (permission_denied) {
    details.push_back("the socket's owner and mode decide who may use it; run aic as a user "
                      "allowed to, or ask for access to the socket");
  }
  details.push_back("is aicd running? start it with `aicd --socket PATH --state-dir DIR` or "
                    "`systemctl start aicd`");
  details.push_back("or point aic at a running aicd with --host or AIC_HOST (" +
                    std::string(kAddressForms) + ")");
  return Error(ErrorCode::EngineUnavailable,
               "cannot connect to aicd at " + address.display() + ": " + reason,
               std::move(details));
}

Result<Socket> connect_socket(const HostAddress& address, SteadyClock::time_point deadline) {
  Result<std::vector<Target>> targets = resolve(address);
  if (!targets) {
    return std::move(targets).error();
  }
  int last = EADDRNOTAVAIL;
  for (const Target& target : *targets) {
    Socket socket;
    last = connect_one(target, deadline, socket);
    if (last == 0) {
      if (address.tls) {
        return open_tls_tunnel(std::move(socket), address, deadline);
      }
      return socket;
    }
    if (last == ETIMEDOUT && SteadyClock::now() >= deadline) {
      break;
    }
  }
  return unreachable(address, os_reason(last), last == EACCES || last == EPERM);
}

IoStatus wait_for(int fd, short events, const Deadline& deadline) {
  for (;;) {
    if (deadline.cancel != nullptr && deadline.cancel->load()) {
      return {Io::Cancelled, {}};
    }
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, poll_timeout(deadline));
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      return {Io::Failed, os_reason(errno)};
    }
    if (ready > 0) {
      return {};
    }
    if (passed(deadline)) {
      return {Io::TimedOut, {}};
    }
  }
}

IoStatus send_all(int fd, std::string_view bytes, const Deadline& deadline) {
  while (!bytes.empty()) {
    if (passed(deadline)) {
      return {Io::TimedOut, {}};
    }
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    const int error = n < 0 ? errno : EPIPE;
    if (error == EINTR) {
      continue;
    }
    if (error == EAGAIN || error == EWOULDBLOCK) {
      if (IoStatus ready = wait_for(fd, POLLOUT, deadline); !ready.ok()) {
        return ready;
      }
      continue;
    }
    return errno_status(error);
  }
  return {};
}

IoStatus receive_some(int fd, std::string& out, std::size_t max_bytes, const Deadline& deadline) {
  const std::size_t old_size = out.size();
  for (;;) {
    if (deadline.cancel != nullptr && deadline.cancel->load()) {
      return {Io::Cancelled, {}};
    }
    if (passed(deadline)) {
      return {Io::TimedOut, {}};
    }
    out.resize(old_size + max_bytes);
    const ssize_t n = ::recv(fd, out.data() + old_size, max_bytes, MSG_DONTWAIT);
    const int error = errno;
    out.resize(old_size + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n > 0) {
      return {};
    }
    if (n == 0) {
      return {Io::Closed, "the connection was closed"};
    }
    if (error == EINTR) {
      continue;
    }
    if (error == EAGAIN || error == EWOULDBLOCK) {
      if (IoStatus ready = wait_for(fd, POLLIN, deadline); !ready.ok()) {
        return ready;
      }
      continue;
    }
    return errno_status(error);
  }
}

Result<std::optional<ResponseHead>> parse_response_head(std::string_view bytes) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return std::optional<ResponseHead>{};
  }
  ResponseHead head;
  head.size = end + 4;
  std::string_view text = bytes.substr(0, end + 2);
  const std::size_t line_end = text.find("\r\n");
  const std::string_view status_line = text.substr(0, line_end);
  const auto malformed = [&] {
    return Error(ErrorCode::Internal, "aicd sent a malformed answer: \"" +
                                          std::string(status_line.substr(0, 80)) + "\"");
  };
  // "HTTP/1.1 200 OK"
  const std::size_t space = status_line.find(' ');
  if (status_line.substr(0, 5) != "HTTP/" || space == std::string_view::npos) {
    return malformed();
  }
  const std::string_view code = status_line.substr(space + 1, 3);
  if (code.size() != 3 || code.find_first_not_of("0123456789") != std::string_view::npos) {
    return malformed();
  }
  head.status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  head.minor_version = status_line.substr(0, space) == "HTTP/1.0" ? 0 : 1;
  text.remove_prefix(line_end + 2);
  while (!text.empty()) {
    const std::size_t next = text.find("\r\n");
    const std::string_view line = text.substr(0, next);
    text.remove_prefix(next + 2);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    head.headers[std::move(name)] = std::string(trim_space(line.substr(colon + 1)));
  }
  return std::optional<ResponseHead>(std::move(head));
}

std::string lowercase_first(std::string text) {
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

} // namespace aic::cli
