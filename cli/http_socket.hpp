#pragma once

// The socket pieces the aic command's HTTP/1.1 clients share (RestClient, UpgradedConnection):
// connecting to aicd within a deadline, waiting on a socket with a deadline and a cancel flag,
// sending and receiving without blocking past it, and reading an answer's head.

#include "cli/host_address.hpp"
#include "core/result.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aic::cli {

using SteadyClock = std::chrono::steady_clock;

/// When a socket operation gives up: at `at` (max(): never), or once `*cancel` is true (checked
/// at least every 100 ms while waiting).
struct Deadline {
  SteadyClock::time_point at = SteadyClock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;

  /// `timeout` from now; 0 (or less) is no deadline.
  static Deadline after(std::chrono::milliseconds timeout);
  /// The earlier of this deadline and `timeout` from now (0 or less: this deadline).
  Deadline capped(std::chrono::milliseconds timeout) const;
};

/// How a socket operation ended.
enum class Io : std::uint8_t {
  Done,      ///< finished
  Stopped,   ///< a callback asked to stop
  Cancelled, ///< the deadline's cancel flag became true
  TimedOut,  ///< the deadline passed
  Closed,    ///< the peer closed the connection (end of stream; a send after it closed)
  Failed,    ///< the OS reported an error (a reset connection, ...)
  Malformed, ///< bytes that are not the HTTP/1.1 expected, or over a bound
};

/// An Io outcome and, for Closed, Failed and Malformed, what happened in words.
struct IoStatus {
  Io kind = Io::Done;
  std::string detail;

  bool ok() const { return kind == Io::Done; }
};

/// A socket's file descriptor, closed with it. Move-only.
class Socket {
public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.release()) {}
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  int fd() const { return fd_; }
  bool is_open() const { return fd_ >= 0; }
  /// Gives up ownership: the caller closes the descriptor.
  int release();

private:
  int fd_ = -1;
};

/// The EngineUnavailable error of an aicd that cannot be reached, with hints on how to start
/// aicd or point aic elsewhere (and on the socket's mode when `permission_denied`).
Error unreachable(const HostAddress& address, const std::string& reason,
                  bool permission_denied = false);

/// Connects to `address` (a unix socket, or each address of a TCP host in turn) before
/// `deadline`; the socket is left in blocking mode, with close-on-exec. Errors: unreachable()
/// with the OS's reason ("no such file or directory", "connection timed out", ...).
Result<Socket> connect_socket(const HostAddress& address, SteadyClock::time_point deadline);

/// Waits until `fd` is ready for `events` (POLLIN, POLLOUT): Done, TimedOut, Cancelled or
/// Failed. Ready includes a peer that hung up or an error, which the next call reports.
IoStatus wait_for(int fd, short events, const Deadline& deadline);

/// Sends all of `bytes` (MSG_NOSIGNAL: a peer that closed is Closed, never SIGPIPE).
IoStatus send_all(int fd, std::string_view bytes, const Deadline& deadline);

/// Appends what arrives next on `fd` (at most `max_bytes`) to `out`: Done after at least one
/// byte, Closed at the end of the stream.
IoStatus receive_some(int fd, std::string& out, std::size_t max_bytes, const Deadline& deadline);

/// The head of an HTTP response.
struct ResponseHead {
  int status = 0;
  int minor_version = 1;                      ///< HTTP/1.x
  std::map<std::string, std::string> headers; ///< lower-cased names
  std::size_t size = 0;                       ///< bytes of the head, final "\r\n\r\n" included
};

/// Parses the response head at the start of `bytes`: nullopt while "\r\n\r\n" has not arrived;
/// an Internal error for a malformed status line.
Result<std::optional<ResponseHead>> parse_response_head(std::string_view bytes);

/// `text` with its first letter in lower case ("Connection refused" reads "connection
/// refused" after a colon).
std::string lowercase_first(std::string text);

} // namespace aic::cli
