#pragma once

// The terminal side of `aic exec` and `aic run`: raw mode for TTY sessions, the window size, and
// the signals a session reacts to (window changes, termination) while it waits in poll.

#include "core/result.hpp"

#include <csignal>
#include <optional>
#include <termios.h>

namespace aic::cli {

struct TerminalSize {
  int rows = 0;
  int columns = 0;

  bool operator==(const TerminalSize&) const = default;
};

/// The window size of the terminal on `fd`; nullopt when it is not a terminal or reports 0x0.
std::optional<TerminalSize> terminal_size(int fd);

/// Puts the terminal on `fd` into raw mode (no echo, no line editing, no signal keys: Ctrl-C
/// reaches the container as byte 0x03) and restores the saved settings when destroyed, on every
/// way out of the session (the session turns SIGTERM and SIGHUP into a normal return).
class RawTerminal {
public:
  /// Does nothing (and restores nothing) when `fd` is not a terminal.
  explicit RawTerminal(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  bool active() const { return active_; }
  /// Restores the saved settings now (idempotent).
  void restore();

private:
  int fd_;
  bool active_ = false;
  termios saved_{};
};

/// While alive: SIGWINCH, SIGTERM and SIGHUP (and SIGINT, which keeps its own handler) are
/// blocked except inside wait_mask()'s ppoll, and their arrival is recorded here, so a session's
/// poll loop notices each of them without a race. Restores the previous handlers and mask.
/// One at a time per process.
class SessionSignals {
public:
  SessionSignals();
  ~SessionSignals();
  SessionSignals(const SessionSignals&) = delete;
  SessionSignals& operator=(const SessionSignals&) = delete;

  /// The mask to pass to ppoll: the one in force before, with the session's signals let in.
  const sigset_t* wait_mask() const { return &wait_mask_; }
  /// True once per window change since the last call.
  bool take_resize() const;
  /// The terminating signal received (SIGTERM or SIGHUP), or 0.
  int terminated() const;

private:
  sigset_t wait_mask_{};
  sigset_t old_mask_{};
  struct sigaction old_winch_ {};
  struct sigaction old_term_ {};
  struct sigaction old_hup_ {};
};

} // namespace aic::cli
