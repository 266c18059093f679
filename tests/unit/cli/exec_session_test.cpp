// The CLI side of `aic exec` and `aic run`: the upgrade request, the answer's head, the frame
// demultiplexing, the relay loop (over a socket pair with a scripted aicd) and the requests
// built from the command line.

#include "cli/commands/exec_command.hpp"
#include "cli/commands/run_command.hpp"
#include "cli/session_relay.hpp"
#include "cli/upgrade_connection.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace aic::cli {
namespace {

std::string frame(int stream, std::string_view payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(stream);
  const auto size = static_cast<std::uint32_t>(payload.size());
  out[4] = static_cast<char>(size >> 24);
  out[5] = static_cast<char>(size >> 16);
  out[6] = static_cast<char>(size >> 8);
  out[7] = static_cast<char>(size);
  return out + std::string(payload);
}

/// Everything readable from `fd` until its writer closes it.
std::string read_to_end(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      return out;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

TEST(UpgradeRequest, AsksForTcpWithHostAndToken) {
  HostAddress unix_host;
  unix_host.path = "/run/aic/aicd.sock";
  EXPECT_EQ(upgrade_request("/v1/projects/demo/exec/abc/start", unix_host, ""),
            "POST /v1/projects/demo/exec/abc/start HTTP/1.1\r\nHost: aicd\r\n"
            "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n");
  HostAddress tcp;
  tcp.kind = HostAddress::Kind::Tcp;
  tcp.host = "::1";
  tcp.port = 7080;
  const std::string request = upgrade_request("/x", tcp, "s3cret");
  EXPECT_NE(request.find("Host: [::1]:7080\r\n"), std::string::npos);
  EXPECT_NE(request.find("Authorization: Bearer s3cret\r\n"), std::string::npos);
  EXPECT_EQ(request.substr(request.size() - 4), "\r\n\r\n");
}

TEST(UpgradeRequest, ParsesTheAnswerHeadOnlyOnceComplete) {
  const std::string head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                           "Upgrade: tcp\r\n\r\n";
  auto partial = parse_response_head(head.substr(0, head.size() - 2));
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->has_value());
  auto full = parse_response_head(head + "raw bytes");
  ASSERT_TRUE(full);
  ASSERT_TRUE(full->has_value());
  EXPECT_EQ((*full)->status, 101);
  EXPECT_EQ((*full)->headers.at("upgrade"), "tcp");
  EXPECT_EQ((*full)->size, head.size());
  EXPECT_FALSE(parse_response_head("SSH-2.0-OpenSSH\r\n\r\n"));
}

TEST(UpgradeRequest, RefusalCarriesAicdsError) {
  Error e = upgrade_refused(
      404, R"({"error":{"code":"not_found","message":"project demo has no exec instance x"}})");
  EXPECT_EQ(e.code(), ErrorCode::NotFound);
  EXPECT_EQ(e.message(), "project demo has no exec instance x");
  Error plain = upgrade_refused(502, "bad gateway");
  EXPECT_EQ(plain.code(), ErrorCode::Internal);
  EXPECT_NE(plain.message().find("502"), std::string::npos);
}

TEST(FrameSplitter, SplitsFramesArrivingInAnyPieces) {
  const std::string stream = frame(1, "out one\n") + frame(2, "err\n") + frame(1, "") +
                             frame(1, "out two") + frame(3, "system");
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    FrameSplitter splitter;
    std::string out;
    std::string err;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      auto fed = splitter.feed(std::string_view(stream).substr(at, piece),
                               [&](int s, std::string_view bytes) {
                                 EXPECT_FALSE(bytes.empty());
                                 (s == 1 ? out : err) += bytes;
                               });
      ASSERT_TRUE(fed) << "piece " << piece;
    }
    EXPECT_EQ(out, "out one\nout two") << "piece " << piece;
    EXPECT_EQ(err, "err\nsystem") << "piece " << piece;
    EXPECT_FALSE(splitter.mid_frame());
  }
}

TEST(FrameSplitter, RefusesABadHeaderAndKnowsWhenCutMidFrame) {
  FrameSplitter cut;
  auto ignore = [](int, std::string_view) {};
  ASSERT_TRUE(cut.feed(frame(1, "abcdef").substr(0, 10), ignore));
  EXPECT_TRUE(cut.mid_frame());
  FrameSplitter bad;
  std::string seen;
  auto fed = bad.feed(frame(1, "ok") + std::string("\x07\0\0\0\0\0\0\1x", 9),
                      [&](int, std::string_view bytes) { seen += bytes; });
  EXPECT_FALSE(fed);
  EXPECT_EQ(seen, "ok");
  EXPECT_FALSE(bad.feed(frame(1, "later"), ignore)); // stays failed
}

/// A socket pair as aicd's upgraded connection and pipes as the terminal's three streams.
struct RelayRig {
  RelayRig() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
    // Standard input as a socket pair too, so a writer left over after the relay gets EPIPE
    // instead of SIGPIPE.
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in), 0);
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    io.in_fd = in[0];
    io.out_fd = out[1];
    io.err_fd = err[1];
  }
  ~RelayRig() {
    for (int fd : {sockets[0], sockets[1], in[0], in[1], out[0], out[1], err[0], err[1]}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
  }
  static void close_fd(int& fd) {
    ::close(fd);
    fd = -1;
  }

  int sockets[2] = {-1, -1}; // [0] the CLI's end, [1] aicd's
  int in[2] = {-1, -1};
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  SessionIo io;
};

TEST(RelaySession, DemultiplexesOutputAndHalfClosesAtTheEndOfInput) {
  RelayRig rig;
  std::string aicd_received;
  // The scripted aicd: echoes what it gets until the CLI's end of input, then answers and ends.
  std::thread aicd([&] {
    char buffer[256];
    for (;;) {
      ssize_t n = ::recv(rig.sockets[1], buffer, sizeof(buffer), 0);
      if (n <= 0) {
        break;
      }
      aicd_received.append(buffer, static_cast<std::size_t>(n));
      write_all(rig.sockets[1], frame(1, std::string_view(buffer, static_cast<std::size_t>(n))));
    }
    write_all(rig.sockets[1], frame(2, "stdin closed\n") + frame(1, "bye\n"));
    ::shutdown(rig.sockets[1], SHUT_WR);
  });
  write_all(rig.in[1], "hello\n");
  RelayRig::close_fd(rig.in[1]); // the end of standard input
  Result<SessionEnd> end = relay_session(rig.sockets[0], frame(1, "early\n"), rig.io);
  aicd.join();
  ASSERT_TRUE(end) << end.error().describe();
  EXPECT_TRUE(end->remote_closed);
  RelayRig::close_fd(rig.out[1]);
  RelayRig::close_fd(rig.err[1]);
  EXPECT_EQ(aicd_received, "hello\n");
  EXPECT_EQ(read_to_end(rig.out[0]), "early\nhello\nbye\n");
  EXPECT_EQ(read_to_end(rig.err[0]), "stdin closed\n");
}

TEST(RelaySession, TtyOutputPassesRawAndInterruptStops) {
  RelayRig rig;
  rig.io.tty = true;
  int polls = 0;
  rig.io.interrupted = [&polls] { return ++polls > 3; };
  write_all(rig.sockets[1], std::string("\x1b[1mraw\r\n", 9));
  Result<SessionEnd> end = relay_session(rig.sockets[0], "", rig.io);
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->interrupted);
  EXPECT_EQ(session_exit_code(*end), 130);
  RelayRig::close_fd(rig.out[1]);
  EXPECT_EQ(read_to_end(rig.out[0]), std::string("\x1b[1mraw\r\n", 9));
}

TEST(RelaySession, KeepsReadingOutputWhileTheProcessTakesNoInput) {
  RelayRig rig;
  // aicd never reads: the CLI must not block writing input while output is waiting.
  const std::string output(1 << 20, 'o');
  std::thread aicd([&] {
    write_all(rig.sockets[1], frame(1, output));
    ::shutdown(rig.sockets[1], SHUT_WR);
  });
  std::thread feeder([&] {
    const std::string input(4 << 20, 'i');
    std::string_view rest = input;
    while (!rest.empty()) {
      ssize_t n = ::send(rig.in[1], rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        break; // the relay ended: the rig closed its end below
      }
      rest.remove_prefix(static_cast<std::size_t>(n));
    }
  });
  std::string shown;
  std::thread reader([&] { shown = read_to_end(rig.out[0]); });
  Result<SessionEnd> end = relay_session(rig.sockets[0], "", rig.io);
  aicd.join();
  RelayRig::close_fd(rig.out[1]);
  reader.join();
  ::shutdown(rig.in[0], SHUT_RDWR); // unblocks the feeder
  feeder.join();
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->remote_closed);
  EXPECT_EQ(shown.size(), output.size());
}

ParsedArgs args_of(const std::vector<std::string>& argv) {
  const CommandSpec spec = exec_command();
  auto parsed = parse_args(argv, spec.all_flags(), spec.flags_before);
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? *parsed : ParsedArgs();
}

TEST(ExecRequest, FlagsEndAtTheFirstArgumentAfterTheService) {
  const std::map<std::string, std::string> env = {{"FROM_SHELL", "1"}};
  auto request =
      build_exec_request(args_of({"-u", "root", "-e", "A=b", "-e", "FROM_SHELL", "-e", "UNSET",
                                  "--index", "2", "-w", "/srv", "web", "ls", "-l", "-T"}),
                         env, true);
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->service, "web");
  EXPECT_EQ(request->command, (std::vector<std::string>{"ls", "-l", "-T"}));
  EXPECT_EQ(request->index, 2);
  EXPECT_EQ(request->user, "root");
  EXPECT_EQ(request->workdir, "/srv");
  EXPECT_EQ(request->env, (std::vector<std::string>{"A=b", "FROM_SHELL=1"}));
  EXPECT_TRUE(request->tty); // -T came after the command: it is the command's
  EXPECT_TRUE(request->stdin);
}

TEST(ExecRequest, TtyOnlyOnATerminalAndNotWithDashT) {
  auto on_pipe = build_exec_request(args_of({"web", "cat"}), {}, false);
  ASSERT_TRUE(on_pipe);
  EXPECT_FALSE(on_pipe->tty);
  auto no_tty = build_exec_request(args_of({"-T", "web", "cat"}), {}, true);
  ASSERT_TRUE(no_tty);
  EXPECT_FALSE(no_tty->tty);
  auto detached = build_exec_request(args_of({"-d", "web", "sleep", "9"}), {}, true);
  ASSERT_TRUE(detached);
  EXPECT_TRUE(detached->detach);
  EXPECT_FALSE(detached->tty);
  EXPECT_FALSE(detached->stdin);
  EXPECT_FALSE(build_exec_request(args_of({"web"}), {}, false));
  EXPECT_FALSE(build_exec_request(args_of({"--index", "0", "web", "ls"}), {}, false));
}

TEST(RunRequest, CarriesOverridesAndAbsoluteVolumeSources) {
  const CommandSpec spec = run_command();
  auto parsed = parse_args({"--rm", "--entrypoint", "sh -c", "-v", "./data:/data:ro", "-v",
                            "named:/n", "-v", "/abs:/abs", "--publish", "8080:80", "-P",
                            "--no-deps", "--name", "once", "-T", "db", "echo", "-v"},
                           spec.all_flags(), spec.flags_before);
  ASSERT_TRUE(parsed) << parsed.error().message();
  auto request = build_run_request(*parsed, {}, true, "/home/me/proj");
  ASSERT_TRUE(request) << request.error().message();
  EXPECT_EQ(request->service, "db");
  EXPECT_EQ(request->command, (std::vector<std::string>{"echo", "-v"}));
  EXPECT_EQ(request->entrypoint, (std::vector<std::string>{"sh", "-c"}));
  EXPECT_EQ(request->volumes,
            (std::vector<std::string>{"/home/me/proj/./data:/data:ro", "named:/n", "/abs:/abs"}));
  EXPECT_EQ(request->publish, std::vector<std::string>{"8080:80"});
  EXPECT_TRUE(request->service_ports);
  EXPECT_TRUE(request->no_deps);
  EXPECT_TRUE(request->rm);
  EXPECT_FALSE(request->tty);
  EXPECT_TRUE(request->stdin);
  EXPECT_EQ(request->name, "once");

  auto plain = parse_args({"db"}, spec.all_flags(), spec.flags_before);
  ASSERT_TRUE(plain);
  auto defaults = build_run_request(*plain, {}, true, "/p");
  ASSERT_TRUE(defaults);
  EXPECT_FALSE(defaults->command.has_value()); // the service's own command
  EXPECT_TRUE(defaults->tty);
}

} // namespace
} // namespace aic::cli
