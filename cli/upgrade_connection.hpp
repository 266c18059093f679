#pragma once

// A connection to aicd switched to a raw byte stream (HTTP/1.1 upgrade to `tcp`, as the Docker
// API does for attach and exec start): what `aic exec` and `aic run` talk to the process through.
// The request goes out on an HttpConnection, which then hands its socket over.

#include "cli/host_address.hpp"
#include "cli/http_socket.hpp"
#include "core/result.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace aic::cli {

/// The bytes of an upgrade request: `POST path` with `Connection: Upgrade`, `Upgrade: tcp`, a
/// Host header for `address` and, when `token` is not empty, `Authorization: Bearer token`.
std::string upgrade_request(std::string_view path, const HostAddress& address,
                            std::string_view token);

/// The Error of an answer that is not `101`: the envelope's, else the status's code quoting
/// the body.
Error upgrade_refused(int status, std::string_view body);

/// A connected socket to aicd after `101 Switching Protocols`. Move-only; closes the socket.
class UpgradedConnection {
public:
  /// Connects to `address`, sends the upgrade request for `path` and reads the answer, all
  /// within `timeout`. Errors: aicd unreachable (EngineUnavailable, with the hints RestClient
  /// gives), Timeout, or the error aicd answered instead of upgrading.
  static Result<UpgradedConnection> open(const HostAddress& address, const std::string& token,
                                         std::string_view path, std::chrono::milliseconds timeout);

  UpgradedConnection(UpgradedConnection&& other) noexcept;
  UpgradedConnection& operator=(UpgradedConnection&& other) noexcept;
  UpgradedConnection(const UpgradedConnection&) = delete;
  UpgradedConnection& operator=(const UpgradedConnection&) = delete;
  ~UpgradedConnection();

  int fd() const { return fd_; }
  /// Bytes of the raw stream that arrived together with the answer's head.
  std::string take_leftover() { return std::move(leftover_); }

private:
  UpgradedConnection(int fd, std::string leftover) : fd_(fd), leftover_(std::move(leftover)) {}

  int fd_ = -1;
  std::string leftover_;
};

} // namespace aic::cli
