#include "cli/upgrade_connection.hpp"

#include "cli/http_connection.hpp"
#include "proto/error_body.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

namespace aic::cli {

namespace {

constexpr std::size_t kMaxErrorBody = 1024 * 1024;

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
  const Deadline deadline = Deadline::after(timeout);
  Result<Socket> socket = connect_socket(address, deadline.at);
  if (!socket) {
    return std::move(socket).error();
  }
  HttpConnection connection(std::move(*socket));
  const IoStatus sent = connection.send(upgrade_request(path, address, token), deadline);
  if (sent.kind == Io::TimedOut) {
    return Error(ErrorCode::Timeout,
                 "aicd took no request within " + std::to_string(timeout.count()) + " ms");
  }
  if (!sent.ok()) {
    return unreachable(address, sent.detail);
  }

  const auto timed_out = [&] {
    return Error(ErrorCode::Timeout, "aicd did not answer " + std::string(path) + " within " +
                                         std::to_string(timeout.count() / 1000) + " s");
  };
  ResponseHead head;
  const IoStatus got = connection.read_head(head, deadline);
  switch (got.kind) {
  case Io::Done:
    break;
  case Io::TimedOut:
    return timed_out();
  case Io::Closed:
    return Error(ErrorCode::EngineUnavailable, "aicd closed the connection before answering");
  case Io::Malformed:
    return Error(ErrorCode::Internal, got.detail);
  default:
    return unreachable(address, got.detail);
  }
  if (head.status == 101) {
    std::string leftover;
    Socket upgraded = connection.take_socket(leftover);
    return UpgradedConnection(upgraded.release(), std::move(leftover));
  }
  // The refusal's body, within its bound (a body cut short is quoted as far as it came).
  std::string body;
  const IoStatus read = connection.read_body(
      "POST", head,
      [&body](std::string_view piece) {
        body.append(piece.substr(0, kMaxErrorBody - body.size()));
        return body.size() < kMaxErrorBody;
      },
      deadline);
  if (read.kind == Io::TimedOut) {
    return timed_out();
  }
  return upgrade_refused(head.status, body);
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
