#pragma once

// The CLI end of an exec or attach session: standard input to the connection, the connection's
// output to standard output and error (demultiplexed when the session has no TTY).

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "cli/rest_client.hpp"
#include "cli/terminal.hpp"
#include "core/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace aic::cli {

/// Splits Docker's multiplexed stream (frames of an 8-byte header [stream, 0, 0, 0, size as
/// uint32 big-endian] and the payload) incrementally; memory is bounded by the header, each
/// payload piece is handed on as it arrives. Stream 1 is stdout, 2 stderr, 3 a system error.
class FrameSplitter {
public:
  using Sink = std::function<void(int stream, std::string_view bytes)>;

  /// Calls `sink` for every non-empty payload piece in `bytes`. A stream type above 3 or
  /// non-zero padding is an Internal error ("malformed multiplexed stream"), then and after.
  Result<void> feed(std::string_view bytes, const Sink& sink);
  /// True when the stream stopped inside a header or a payload.
  bool mid_frame() const { return header_size_ > 0 || remaining_ > 0; }

private:
  std::array<unsigned char, 8> header_{};
  std::size_t header_size_ = 0;
  std::uint32_t remaining_ = 0;
  int stream_ = 1;
  bool failed_ = false;
};

/// Where a session reads and writes, and what it does on the way.
struct SessionIo {
  int in_fd = 0; ///< -1: send no input (the connection's input is closed at once)
  int out_fd = 1;
  int err_fd = 2;
  bool tty = false;                        ///< raw output; otherwise frames are demultiplexed
  std::function<void()> on_resize;         ///< called on every window change (SIGWINCH)
  const SessionSignals* signals = nullptr; ///< null: no signal handling (tests)
  /// Polled between events: true stops the session (Ctrl-C outside raw mode).
  std::function<bool()> interrupted;
};

/// How a session ended.
struct SessionEnd {
  bool remote_closed = false; ///< aicd ended the stream: the process is done
  bool interrupted = false;
  int signal = 0; ///< SIGTERM or SIGHUP received
};

/// Relays until aicd closes the stream (the process ended), an interruption or a terminating
/// signal: input from `in_fd` goes to `fd` (non-blocking, so output keeps flowing while the
/// process does not read), and input's end becomes shutdown(SHUT_WR); output, `leftover` first,
/// goes to out_fd/err_fd. At most 64 KiB of input is held. Errors: the connection failed, or a
/// malformed multiplexed stream.
Result<SessionEnd> relay_session(int fd, std::string leftover, const SessionIo& io);

/// The whole terminal side of `exec` and `run`: opens the upgraded connection `start_path` on
/// the aicd named by --host/--token, puts the terminal into raw mode when `tty` (restored on
/// every way out), sends the window size to `resize_path` ("?h=&w=" is added) at the start and on
/// every change, and relays standard input, output and error (fds 0, 1, 2) until it ends.
Result<SessionEnd> run_session(const ParsedArgs& args, const Invocation& inv, RestClient& client,
                               const std::string& start_path, const std::string& resize_path,
                               bool tty);

/// The exit code for a session that ended by interruption (130) or signal (128 + N); nullopt
/// when the process ended on its own.
std::optional<int> session_exit_code(const SessionEnd& end);

} // namespace aic::cli
