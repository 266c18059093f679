#include "cli/terminal.hpp"

#include <atomic>
#include <sys/ioctl.h>
#include <unistd.h>

namespace aic::cli {

namespace {

std::atomic<bool> g_resized{false};
std::atomic<int> g_terminated{0};

void on_winch(int) {
  g_resized = true;
}

void on_terminate(int signal) {
  g_terminated = signal;
}

} // namespace

std::optional<TerminalSize> terminal_size(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) != 0 || size.ws_row == 0 || size.ws_col == 0) {
    return std::nullopt;
  }
  return TerminalSize{size.ws_row, size.ws_col};
}

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  if (::isatty(fd) != 1 || ::tcgetattr(fd, &saved_) != 0) {
    return;
  }
  termios raw = saved_;
  ::cfmakeraw(&raw);
  // Keep output post-processing off too (cfmakeraw does): the container's TTY already turned
  // "\n" into "\r\n".
  if (::tcsetattr(fd, TCSADRAIN, &raw) == 0) {
    active_ = true;
  }
}

RawTerminal::~RawTerminal() {
  restore();
}

void RawTerminal::restore() {
  if (active_) {
    ::tcsetattr(fd_, TCSADRAIN, &saved_);
    active_ = false;
  }
}

SessionSignals::SessionSignals() {
  g_resized = false;
  g_terminated = 0;
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGWINCH);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigaddset(&block, SIGINT);
  ::sigprocmask(SIG_BLOCK, &block, &old_mask_);
  wait_mask_ = old_mask_;
  sigdelset(&wait_mask_, SIGWINCH);
  sigdelset(&wait_mask_, SIGTERM);
  sigdelset(&wait_mask_, SIGHUP);
  sigdelset(&wait_mask_, SIGINT);

  struct sigaction action {};
  sigemptyset(&action.sa_mask);
  action.sa_handler = on_winch;
  ::sigaction(SIGWINCH, &action, &old_winch_);
  action.sa_handler = on_terminate;
  ::sigaction(SIGTERM, &action, &old_term_);
  ::sigaction(SIGHUP, &action, &old_hup_);
}

SessionSignals::~SessionSignals() {
  ::sigaction(SIGWINCH, &old_winch_, nullptr);
  ::sigaction(SIGTERM, &old_term_, nullptr);
  ::sigaction(SIGHUP, &old_hup_, nullptr);
  ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool SessionSignals::take_resize() const {
  return g_resized.exchange(false);
}

int SessionSignals::terminated() const {
  return g_terminated.load();
}

} // namespace aic::cli
