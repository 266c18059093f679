// `aic exec` and `aic run` through a real aicd against the real engine: exit codes, standard
// input, a TTY driven through a pseudo-terminal, one-off containers.

#include "aicd_fixture.hpp"

#include <chrono>
#include <csignal>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <regex>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

const std::string kService = "    image: aic-test/busybox:latest\n    command: [sleep, '3600']\n"
                             "    stop_signal: SIGKILL\n    restart: always\n";

class ExecRunTest : public AicdProjectTest {
protected:
  void SetUp() override {
    AicdProjectTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    write_file(dir_ + "/compose.yaml", "name: " + project_ +
                                           "\nservices:\n"
                                           "  app:\n" +
                                           kService + "  web:\n" + kService +
                                           "    depends_on: [app]\n");
  }

  void up() {
    AicResult up = aic({"up", "-d", "app"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }
  /// The one-off containers of the project, by the Compose labels.
  std::vector<std::string> one_offs() {
    ShellResult r =
        run_shell(docker_cli() + " ps -a --filter label=com.docker.compose.project=" + project_ +
                  " --filter label=com.docker.compose.oneoff=True" + " --format '{{.Names}}'");
    std::vector<std::string> names;
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);) {
      if (!line.empty()) {
        names.push_back(line);
      }
    }
    return names;
  }
};

/// What a process run on a pseudo-terminal printed, and its exit status.
struct PtyRun {
  std::string output;
  int exit_code = -1;
};

/// Runs `argv` in `dir` on a new pseudo-terminal of 33 rows and 101 columns; once the output
/// contains `ready`, types `input`; collects the output until the process exits (at most 60 s).
PtyRun run_on_pty(const std::string& dir, const std::vector<std::string>& argv,
                  const std::string& host, const std::string& ready, const std::string& input) {
  PtyRun out;
  winsize size{};
  size.ws_row = 33;
  size.ws_col = 101;
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  if (pid < 0) {
    ADD_FAILURE() << "forkpty failed";
    return out;
  }
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) {
      ::_exit(126);
    }
    ::setenv("AIC_HOST", host.c_str(), 1);
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    for (auto& a : copy) {
      args.push_back(a.data());
    }
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  bool typed = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  char buffer[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    int ready_fds = ::poll(&p, 1, 200);
    if (ready_fds > 0) {
      ssize_t n = ::read(master, buffer, sizeof(buffer));
      if (n <= 0) {
        break; // EIO: the process and its terminal are gone
      }
      out.output.append(buffer, static_cast<std::size_t>(n));
    }
    if (!typed && out.output.find(ready) != std::string::npos) {
      typed = ::write(master, input.data(), input.size()) == static_cast<ssize_t>(input.size());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "the process on the pty did not end within 60 s; output:\n" << out.output;
      ::kill(pid, SIGKILL);
      break;
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return out;
}

TEST_F(ExecRunTest, ExecExitsWithTheCommandsExitCode) {
  AicResult early = aic({"exec", "-T", "app", "true"});
  EXPECT_EQ(early.exit_code, 1);
  EXPECT_THAT(early.err, HasSubstr("has no container number 1"));
  up();
  AicResult three = aic({"exec", "-T", "app", "sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(three.exit_code, 3) << three.err;
  EXPECT_EQ(three.out, "out\n");
  EXPECT_THAT(three.err, HasSubstr("err\n"));
  AicResult env = aic({"exec", "-T", "-e", "GREETING=hi there", "-w", "/tmp", "-u", "nobody", "app",
                       "sh", "-c", "echo \"$GREETING\" $(pwd) $(id -un)"});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(env.out, "hi there /tmp nobody\n");
}

TEST_F(ExecRunTest, ExecPassesStandardInputAndEndsAtItsEnd) {
  up();
  ShellResult r =
      run_shell("printf hello | (" + aic_command(*aicd_, dir_, {"exec", "-T", "app", "cat"}) + ")");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello");
  // Detached: returns at once, the command runs on in the container.
  AicResult detached = aic({"exec", "-d", "app", "sh", "-c", "echo done > /tmp/detached"});
  EXPECT_EQ(detached.exit_code, 0) << detached.err;
  std::string seen;
  for (int i = 0; i < 50 && seen != "done"; ++i) {
    seen = trim(aic({"exec", "-T", "app", "cat", "/tmp/detached"}).out);
  }
  EXPECT_EQ(seen, "done");
}

TEST_F(ExecRunTest, ExecOnATerminalRunsAnInteractiveShell) {
  up();
  PtyRun run = run_on_pty(dir_, {std::string(AIC_BINARY_DIR) + "/aic", "exec", "app", "sh"},
                          aicd_->host(), "# ", "echo $((6*7)); tty; stty size; exit 5\r");
  EXPECT_EQ(run.exit_code, 5) << run.output;
  EXPECT_THAT(run.output, HasSubstr("42\r\n"));
  EXPECT_THAT(run.output, HasSubstr("/dev/pts/"));
  EXPECT_THAT(run.output, HasSubstr("33 101")); // the window size reached the container
}

TEST_F(ExecRunTest, RunRmPrintsTheOutputAndLeavesNoContainer) {
  AicResult hi = aic({"run", "--rm", "--no-deps", "app", "echo", "hi"});
  EXPECT_EQ(hi.exit_code, 0) << hi.err;
  EXPECT_EQ(hi.out, "hi\n");
  AicResult four = aic({"run", "--rm", "--no-deps", "app", "sh", "-c", "exit 4"});
  EXPECT_EQ(four.exit_code, 4) << four.err;
  ShellResult piped =
      run_shell("printf 'from stdin' | (" +
                aic_command(*aicd_, dir_, {"run", "--rm", "-T", "--no-deps", "app", "cat"}) + ")");
  EXPECT_EQ(piped.exit_code, 0);
  EXPECT_EQ(piped.out, "from stdin");
  EXPECT_TRUE(project_containers(project_).empty());
}

TEST_F(ExecRunTest, RunStartsDependenciesFirst) {
  AicResult run = aic({"run", "--rm", "-e", "X=42", "web", "sh", "-c", "echo $X"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "42\n");
  EXPECT_EQ(inspect(project_ + "-app-1", "{{.State.Running}}"), "true");
  EXPECT_EQ(inspect(project_ + "-web-1", "{{.Name}}"), ""); // run makes no service container
  EXPECT_TRUE(one_offs().empty());
}

TEST_F(ExecRunTest, RunDetachedLeavesARunningOneOffContainer) {
  AicResult run = aic({"run", "-d", "--no-deps", "app", "sleep", "300"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string name = trim(run.out);
  EXPECT_TRUE(std::regex_match(name, std::regex(project_ + "-app-run-[0-9a-f]{12}"))) << name;
  EXPECT_EQ(one_offs(), std::vector<std::string>{name});
  EXPECT_EQ(inspect(name, "{{.State.Running}}"), "true");
  EXPECT_EQ(inspect(name, "{{index .Config.Labels \"com.docker.compose.oneoff\"}}"), "True");
  EXPECT_EQ(inspect(name, "{{index .Config.Labels \"com.docker.compose.service\"}}"), "app");
  // The service's `restart: always` is dropped, as docker compose run does.
  EXPECT_THAT(inspect(name, "{{.HostConfig.RestartPolicy.Name}}"), ::testing::AnyOf("", "no"));
  EXPECT_EQ(inspect(name, "{{json .Config.Cmd}}"), "[\"sleep\",\"300\"]");
  // `ps` shows service containers only, as docker compose does.
  AicResult ps = aic({"ps", "-q"});
  EXPECT_EQ(trim(ps.out), "");
}

} // namespace
} // namespace aic::e2e
