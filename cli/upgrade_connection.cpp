#include "cli/upgrade_connection.hpp"

#include "proto/error_body.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace aic::cli {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxHead = 64 * 1024;
constexpr std::size_t kMaxErrorBody = 1024 * 1024;

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

Error unreachable(const HostAddress& address, const std::string& reason) {
  return Error(ErrorCode::EngineUnavailable,
               "cannot connect to aicd at " + address.display() + ": " + reason,
               {"is aicd running? point aic at it with --host or AIC_HOST"});
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

/// Waits for `events` on `fd` until `deadline`: 1 ready, 0 timed out, -1 failed.
int wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    return ready < 0 ? -1 : (ready == 0 ? 0 : 1);
  }
}

/// A non-blocking connect that completes within the deadline; the socket is left blocking.
Result<int> connect_socket(const HostAddress& address, Clock::time_point deadline) {
  std::vector<std::pair<sockaddr_storage, socklen_t>> targets;
  int family = AF_UNIX;
  if (address.kind == HostAddress::Kind::Unix) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    if (address.path.size() >= sizeof(un.sun_path)) {
      return unreachable(address, "socket path too long");
    }
    std::memcpy(un.sun_path, address.path.c_str(), address.path.size() + 1);
    sockaddr_storage storage{};
    std::memcpy(&storage, &un, sizeof(un));
    targets.emplace_back(storage, static_cast<socklen_t>(sizeof(un)));
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(address.port);
    int rc = ::getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0) {
      return unreachable(address, ::gai_strerror(rc));
    }
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
      sockaddr_storage storage{};
      std::memcpy(&storage, a->ai_addr, a->ai_addrlen);
      targets.emplace_back(storage, a->ai_addrlen);
    }
    ::freeaddrinfo(found);
  }
  std::string last = "no address";
  for (const auto& [storage, length] : targets) {
    family = storage.ss_family;
    int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&storage), length);
    if (rc != 0 && errno == EINPROGRESS) {
      int ready = wait_for(fd, POLLOUT, deadline);
      int error = 0;
      socklen_t size = sizeof(error);
      if (ready == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0) {
        rc = error == 0 ? 0 : -1;
        errno = error;
      } else {
        rc = -1;
        errno = ready == 0 ? ETIMEDOUT : errno;
      }
    }
    if (rc == 0) {
      int flags = ::fcntl(fd, F_GETFL);
      ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
      return fd;
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  if (!last.empty()) {
    last[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(last[0])));
  }
  return unreachable(address, last);
}

} // namespace

std::string upgrade_request(std::string_view path, const HostAddress& address,
                            std::string_view token) {
  std::string host = address.kind == HostAddress::Kind::Unix ? std::string("aicd")
                     : address.host.find(':') != std::string::npos
                         ? "[" + address.host + "]:" + std::to_string(address.port)
                         : address.host + ":" + std::to_string(address.port);
  std::string out = "POST ";
  out.append(path);
  out += " HTTP/1.1\r\nHost: " + host +
         "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n";
  if (!token.empty()) {
    out += "Authorization: Bearer ";
    out.append(token);
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

Result<std::optional<ResponseHead>> parse_response_head(std::string_view bytes) {
  const std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return std::optional<ResponseHead>{};
  }
  ResponseHead head;
  head.size = end + 4;
  std::string_view text = bytes.substr(0, end + 2);
  std::size_t line_end = text.find("\r\n");
  std::string_view status_line = text.substr(0, line_end);
  // "HTTP/1.1 101 Switching Protocols"
  if (status_line.substr(0, 5) != "HTTP/" || status_line.find(' ') == std::string_view::npos) {
    return Error(ErrorCode::Internal, "aicd sent a malformed answer: \"" +
                                          std::string(status_line.substr(0, 80)) + "\"");
  }
  std::string_view code = status_line.substr(status_line.find(' ') + 1, 3);
  if (code.size() != 3 || code.find_first_not_of("0123456789") != std::string_view::npos) {
    return Error(ErrorCode::Internal, "aicd sent a malformed answer: \"" +
                                          std::string(status_line.substr(0, 80)) + "\"");
  }
  head.status = std::stoi(std::string(code));
  text.remove_prefix(line_end + 2);
  while (!text.empty()) {
    std::size_t next = text.find("\r\n");
    std::string_view line = text.substr(0, next);
    text.remove_prefix(next + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    head.headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return std::optional<ResponseHead>(std::move(head));
}

Error upgrade_refused(int status, std::string_view body) {
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    return proto::error_from_body(j);
  }
  ErrorCode code = status == 404   ? ErrorCode::NotFound
                   : status == 409 ? ErrorCode::Conflict
                   : status == 400 ? ErrorCode::InvalidSpec
                   : status == 503 ? ErrorCode::EngineUnavailable
                   : status == 504 ? ErrorCode::Timeout
                                   : ErrorCode::Internal;
  std::string quoted(body.substr(0, 200));
  return Error(code, "aicd answered " + std::to_string(status) +
                         " instead of switching to a raw "
                         "stream" +
                         (quoted.empty() ? std::string() : ": " + quoted));
}

Result<UpgradedConnection> UpgradedConnection::open(const HostAddress& address,
                                                    const std::string& token, std::string_view path,
                                                    std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Result<int> connected = connect_socket(address, deadline);
  if (!connected) {
    return std::move(connected).error();
  }
  UpgradedConnection conn(*connected, std::string());
  const std::string request = upgrade_request(path, address, token);
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (wait_for(conn.fd_, POLLOUT, deadline) != 1) {
      return Error(ErrorCode::Timeout,
                   "aicd took no request within " + std::to_string(timeout.count()) + " ms");
    }
    ssize_t n =
        ::send(conn.fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (n <= 0) {
      return unreachable(address, std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }

  std::string received;
  std::optional<ResponseHead> head;
  std::optional<std::size_t> body_length;
  char buffer[16 * 1024];
  for (;;) {
    if (!head) {
      Result<std::optional<ResponseHead>> parsed = parse_response_head(received);
      if (!parsed) {
        return std::move(parsed).error();
      }
      head = std::move(*parsed);
      if (head && head->status == 101) {
        conn.leftover_ = received.substr(head->size);
        return conn;
      }
      if (head) {
        auto length = head->headers.find("content-length");
        if (length != head->headers.end()) {
          std::size_t value = 0;
          for (char c : length->second) {
            if (c < '0' || c > '9' || value > kMaxErrorBody) {
              break;
            }
            value = value * 10 + static_cast<std::size_t>(c - '0');
          }
          body_length = std::min(value, kMaxErrorBody);
        }
      }
      if (!head && received.size() > kMaxHead) {
        return Error(ErrorCode::Internal, "aicd's answer head exceeds 64 KiB");
      }
    }
    if (head && ((body_length && received.size() - head->size >= *body_length) ||
                 received.size() - head->size >= kMaxErrorBody)) {
      break;
    }
    int ready = wait_for(conn.fd_, POLLIN, deadline);
    if (ready != 1) {
      return Error(ErrorCode::Timeout, "aicd did not answer " + std::string(path) + " within " +
                                           std::to_string(timeout.count() / 1000) + " s");
    }
    ssize_t n = ::recv(conn.fd_, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      continue;
    }
    if (n < 0) {
      return unreachable(address, std::strerror(errno));
    }
    if (n == 0) {
      if (!head) {
        return Error(ErrorCode::EngineUnavailable, "aicd closed the connection before answering");
      }
      break; // a body delimited by the connection's end
    }
    received.append(buffer, static_cast<std::size_t>(n));
  }
  std::string_view body = std::string_view(received).substr(head->size);
  if (body_length) {
    body = body.substr(0, *body_length);
  }
  return upgrade_refused(head->status, body);
}

UpgradedConnection::UpgradedConnection(UpgradedConnection&& other) noexcept
    : fd_(other.fd_), leftover_(std::move(other.leftover_)) {
  other.fd_ = -1;
}

UpgradedConnection& UpgradedConnection::operator=(UpgradedConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = other.fd_;
    leftover_ = std::move(other.leftover_);
    other.fd_ = -1;
  }
  return *this;
}

UpgradedConnection::~UpgradedConnection() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

} // namespace aic::cli
