// aicd's API as a boundary (docs/reliability.md, "Access"): connections held open by a client
// that never finishes a request do not lock `aic ps` out, secrets from compose files stay out of
// the config the API serves and out of aicd's log, and binds of the engine's socket are refused
// before anything is created.

#include "aicd_fixture.hpp"

#include <cerrno>
#include <cstring>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSleep = "    image: aic-test/busybox:latest\n    command: [sleep, '3600']\n"
                           "    stop_signal: SIGKILL\n";

/// A connection that sends the start of a request head and never the rest.
int open_slow_connection(const std::string& socket_path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof(address.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  const std::string partial = "GET /v1/projects HTTP/1.1\r\nHost: aicd\r\nX-Slow: ";
  (void)::send(fd, partial.data(), partial.size(), MSG_NOSIGNAL);
  return fd;
}

/// True when the server closed `fd` (a read returns 0 or fails) without waiting.
bool closed_by_server(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0) {
    return false;
  }
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

class AccessTest : public AicdProjectTest {};

TEST_F(AccessTest, FiveHundredSlowConnectionsDoNotKeepPsFromAnswering) {
  compose("services:\n  web:\n" + kSleep);
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;

  std::vector<int> slow;
  for (int i = 0; i < 500; ++i) {
    const int fd = open_slow_connection(aicd_->socket_path());
    ASSERT_GE(fd, 0) << "connection " << i << ": " << std::strerror(errno);
    slow.push_back(fd);
  }
  // aicd serves at most 256 connections: each newcomer took the place of the one that had
  // waited longest for its request head, and `aic ps` does the same.
  AicResult ps = aic({"ps"});
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_THAT(ps.out, HasSubstr(name("web")));
  AicResult again = aic({"ps", "--format", "json"});
  EXPECT_EQ(again.exit_code, 0) << again.err;

  int closed = 0;
  for (int fd : slow) {
    closed += closed_by_server(fd) ? 1 : 0;
    ::close(fd);
  }
  EXPECT_GE(closed, 500 - 256) << "slow connections closed by aicd";
  // Said in the log, but not once per connection.
  const std::string log = aicd_->log();
  EXPECT_THAT(log, HasSubstr("without a request, to make room"));
  std::size_t lines = 0;
  for (std::size_t at = log.find("to make room"); at != std::string::npos;
       at = log.find("to make room", at + 1)) {
    ++lines;
  }
  EXPECT_LE(lines, 21u) << log;
}

TEST_F(AccessTest, SecretsStayOutOfTheServedConfigAndTheLog) {
  compose("services:\n  db:\n" + kSleep +
          "    environment:\n"
          "      POSTGRES_PASSWORD: pw-4f1c9\n"
          "      DATABASE_URL: postgresql://user:url-7a2e@postgres:5432/aidb\n"
          "      POSTGRES_USER: user\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string path = "/v1/projects/" + project_ + "/config";

  const nlohmann::json masked = get_json(*aicd_, path);
  ASSERT_TRUE(masked.is_object()) << masked.dump();
  const nlohmann::json& env = masked["services"]["db"]["environment"];
  EXPECT_EQ(env["POSTGRES_PASSWORD"], "********");
  EXPECT_EQ(env["DATABASE_URL"], "postgresql://user:********@postgres:5432/aidb");
  EXPECT_EQ(env["POSTGRES_USER"], "user");

  const nlohmann::json shown = get_json(*aicd_, path + "?show_secrets=true");
  EXPECT_EQ(shown["services"]["db"]["environment"]["POSTGRES_PASSWORD"], "pw-4f1c9");

  // The container has them (that is what they are for); aicd's log and answers do not.
  EXPECT_THAT(inspect(name("db"), "{{json .Config.Env}}"), HasSubstr("pw-4f1c9"));
  for (const char* secret : {"pw-4f1c9", "url-7a2e"}) {
    EXPECT_THAT(aicd_->log(), Not(HasSubstr(secret)));
    EXPECT_THAT(up.out + up.err, Not(HasSubstr(secret)));
    EXPECT_THAT(masked.dump(), Not(HasSubstr(secret)));
  }
}

TEST_F(AccessTest, ABindOfTheEngineSocketIsRefusedBeforeAnythingIsCreated) {
  compose("services:\n  ok:\n" + kSleep + "  web:\n" + kSleep +
          "    volumes: ['/var/run:/host-run']\n");
  AicResult up = aic({"up", "-d"});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_THAT(up.err, HasSubstr("compose.yaml:"));
  EXPECT_THAT(up.err, HasSubstr("services.web.volumes[0].source: bind mount of \"/var/run\" is "
                                "refused: it exposes /var/run/docker.sock, which controls the "
                                "Docker engine"));
  EXPECT_TRUE(project_containers(project_).empty());
  const ShellResult networks = run_shell(
      docker_cli() + " network ls -q --filter label=" + "com.docker.compose.project=" + project_);
  EXPECT_EQ(trim(networks.out), "");
}

} // namespace
} // namespace aic::e2e
