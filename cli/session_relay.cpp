#include "cli/session_relay.hpp"

#include "cli/upgrade_connection.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace aic::cli {

namespace {

constexpr std::size_t kChunk = 64 * 1024;
/// ppoll's wake-up interval, so flags set by signals another thread took are seen too.
constexpr int kPollMs = 250;

/// Writes everything to `fd`, waiting while it is full (a non-blocking terminal); false when the
/// reader is gone.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 1000);
      continue;
    }
    if (n <= 0) {
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

Error lost(const char* what) {
  return Error(ErrorCode::EngineUnavailable, std::string("the session with aicd broke while ") +
                                                 what + ": " + std::strerror(errno));
}

} // namespace

Result<void> FrameSplitter::feed(std::string_view bytes, const Sink& sink) {
  while (!bytes.empty() && !failed_) {
    if (remaining_ == 0) {
      while (header_size_ < header_.size() && !bytes.empty()) {
        header_[header_size_++] = static_cast<unsigned char>(bytes.front());
        bytes.remove_prefix(1);
      }
      if (header_size_ < header_.size()) {
        break;
      }
      header_size_ = 0;
      if (header_[0] > 3 || header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
        failed_ = true;
        break;
      }
      stream_ = header_[0];
      remaining_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) |
                   (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
      continue;
    }
    const std::size_t n = std::min<std::size_t>(remaining_, bytes.size());
    sink(stream_, bytes.substr(0, n));
    remaining_ -= static_cast<std::uint32_t>(n);
    bytes.remove_prefix(n);
  }
  if (failed_) {
    return Error(ErrorCode::Internal, "malformed multiplexed stream from aicd: bad frame header");
  }
  return {};
}

Result<SessionEnd> relay_session(int fd, std::string leftover, const SessionIo& io) {
  SessionEnd end;
  FrameSplitter splitter;
  bool output_ok = true;
  auto deliver = [&](std::string_view bytes) -> Result<void> {
    if (io.tty) {
      output_ok = output_ok && write_all(io.out_fd, bytes);
      return {};
    }
    return splitter.feed(bytes, [&](int stream, std::string_view piece) {
      if (stream == 1) {
        output_ok = output_ok && write_all(io.out_fd, piece);
      } else if (stream == 2 || stream == 3) {
        write_all(io.err_fd, piece);
      }
    });
  };
  if (!leftover.empty()) {
    if (auto fed = deliver(leftover); !fed) {
      return std::move(fed).error();
    }
  }

  bool input_open = io.in_fd >= 0;
  bool write_shut = false;
  std::string pending; // input read but not yet sent
  std::vector<char> buffer(kChunk);
  for (;;) {
    if (io.interrupted && io.interrupted()) {
      end.interrupted = true;
      return end;
    }
    if (io.signals != nullptr) {
      if (int s = io.signals->terminated(); s != 0) {
        end.signal = s;
        return end;
      }
    }
    if (!input_open && pending.empty() && !write_shut) {
      ::shutdown(fd, SHUT_WR);
      write_shut = true;
    }
    pollfd fds[2] = {{fd, static_cast<short>(POLLIN | (pending.empty() ? 0 : POLLOUT)), 0},
                     {input_open && pending.empty() ? io.in_fd : -1, POLLIN, 0}};
    timespec wake{0, kPollMs * 1'000'000L};
    int ready = ::ppoll(fds, 2, &wake, io.signals != nullptr ? io.signals->wait_mask() : nullptr);
    if (io.signals != nullptr && io.signals->take_resize() && io.on_resize) {
      io.on_resize();
    }
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      return lost("waiting");
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n > 0) {
        if (auto fed = deliver(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
            !fed) {
          return std::move(fed).error();
        }
        if (!output_ok) {
          // Our own reader is gone (a closed pipe): nothing more can be shown.
          end.remote_closed = false;
          return end;
        }
      } else if (n == 0) {
        end.remote_closed = true;
        return end;
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return lost("reading");
      }
    }
    if (!pending.empty() && (fds[0].revents & POLLOUT)) {
      ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        pending.erase(0, static_cast<std::size_t>(n));
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        // aicd stopped taking input (the process ended); its output may still come.
        pending.clear();
        input_open = false;
        write_shut = true;
      }
    }
    if (fds[1].fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(io.in_fd, buffer.data(), buffer.size());
      if (n > 0) {
        pending.assign(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        input_open = false;
      }
    }
    if (fds[1].fd >= 0 && (fds[1].revents & POLLNVAL)) {
      input_open = false;
    }
  }
}

Result<SessionEnd> run_session(const ParsedArgs& args, const Invocation& inv, RestClient& client,
                               const std::string& start_path, const std::string& resize_path,
                               bool tty) {
  Result<HostAddress> host =
      resolve_host(args.last("host"), inv.environment, args.last("tlscacert"));
  if (!host) {
    return std::move(host).error();
  }
  const std::string token = resolve_token(args.last("token"), inv.environment);
  inv.out->flush();
  inv.err->flush();
  Result<UpgradedConnection> connection =
      UpgradedConnection::open(*host, token, start_path, std::chrono::seconds(60));
  if (!connection) {
    return std::move(connection).error();
  }
  auto resize = [&client, &resize_path]() {
    std::optional<TerminalSize> size = terminal_size(1);
    if (!size) {
      size = terminal_size(0);
    }
    if (!size) {
      return;
    }
    const std::string path =
        resize_path + "?h=" + std::to_string(size->rows) + "&w=" + std::to_string(size->columns);
    // A failed resize only leaves the old size; the session goes on.
    Result<Response> resized = client.request("POST", path, std::nullopt, std::chrono::seconds(5));
    (void)resized;
  };
  // From here on, window changes and termination are noticed by the relay loop, and the
  // terminal's settings are restored on every way out.
  SessionSignals signals;
  RawTerminal raw(tty ? 0 : -1);
  if (tty) {
    resize();
  }
  SessionIo io;
  io.tty = tty;
  io.signals = &signals;
  if (tty) {
    io.on_resize = resize;
  }
  // In raw mode Ctrl-C is a keystroke for the process; SIGINT can only come from elsewhere.
  io.interrupted = [] { return interrupted().load(); };
  Result<SessionEnd> end = relay_session(connection->fd(), connection->take_leftover(), io);
  raw.restore();
  return end;
}

std::optional<int> session_exit_code(const SessionEnd& end) {
  if (end.signal != 0) {
    return 128 + end.signal;
  }
  if (end.interrupted) {
    return 130;
  }
  return std::nullopt;
}

} // namespace aic::cli
