// aicd as a server: who may call it, and what it says when something is missing.

#include "aicd_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;

TEST(AicdApi, UnixSocketIsGroupOnlyAndAnswersVersionWithTheEngine) {
  AIC_E2E_REQUIRE_ENGINE();
  AicdProcess aicd;
  ASSERT_TRUE(aicd.start());
  struct stat st {};
  ASSERT_EQ(::stat(aicd.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  ShellResult version = run_shell("curl -fsS --unix-socket " + shell_quote(aicd.socket_path()) +
                                  " http://localhost/v1/version");
  ASSERT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("\"api_version\":\"v1\""));
  EXPECT_THAT(version.out, HasSubstr("\"engine\":{"));
}

TEST(AicdApi, TcpNeedsTheBearerToken) {
  AIC_E2E_REQUIRE_ENGINE();
  std::string dir = make_temp_dir("aicd-token");
  write_file(dir + "/token", "s3cret-token\n");
  int port = 20000 + static_cast<int>(::getpid() % 20000);
  std::string listen = "127.0.0.1:" + std::to_string(port);
  AicdProcess aicd({"--listen", listen, "--token-file", dir + "/token"});
  ASSERT_TRUE(aicd.start());
  std::string url = "http://" + listen + "/v1/projects";
  ShellResult none = run_shell("curl -s -o /dev/null -w '%{http_code}' " + url);
  EXPECT_EQ(none.out, "401");
  ShellResult wrong =
      run_shell("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' " + url);
  EXPECT_EQ(wrong.out, "401");
  ShellResult right = run_shell(
      "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret-token' " + url);
  EXPECT_EQ(right.out, "200");
  // The CLI takes the token from AIC_TOKEN.
  ShellResult ps = run_shell(
      "cd " + shell_quote(dir) + " && AIC_HOST=tcp://" + listen + " AIC_TOKEN=s3cret-token " +
      shell_quote(std::string(AIC_BINARY_DIR) + "/aic") + " -p nothing-here ps 2>&1");
  EXPECT_EQ(ps.exit_code, 0) << ps.out;
  remove_dir(dir);
}

TEST(AicdApi, TlsListenerServesCurlAndTheCliUpExecAndDown) {
  AIC_E2E_REQUIRE_ENGINE();
  const std::string tls = std::string(AIC_SOURCE_DIR) + "/tests/fixtures/tls/";
  std::string dir = make_temp_dir("aicd-tls");
  write_file(dir + "/token", "s3cret-token\n");
  const std::string project = "aice2e-tls-" + std::to_string(::getpid());
  write_file(dir + "/compose.yaml", "name: " + project +
                                        "\nservices:\n  web:\n    image: aic-test/busybox:latest\n"
                                        "    command: [sleep, '3600']\n    stop_signal: SIGKILL\n");
  int port = 20000 + static_cast<int>((::getpid() + 7) % 20000);
  std::string listen = "127.0.0.1:" + std::to_string(port);
  AicdProcess aicd({"--listen", listen, "--token-file", dir + "/token", "--tlscert",
                    tls + "server.pem", "--tlskey", tls + "server.key"});
  ASSERT_TRUE(aicd.start());

  ShellResult right = run_shell(
      "curl -s -o /dev/null -w '%{http_code}' --cacert " + shell_quote(tls + "server.pem") +
      " -H 'Authorization: Bearer s3cret-token' https://" + listen + "/v1/projects");
  EXPECT_EQ(right.out, "200");
  ShellResult plain = run_shell("curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: "
                                "Bearer s3cret-token' http://" +
                                listen + "/v1/projects");
  EXPECT_NE(plain.out, "200") << "plain HTTP on the TLS port";

  const std::string aic = shell_quote(std::string(AIC_BINARY_DIR) + "/aic");
  const std::string vars =
      "AIC_HOST=https://" + listen +
      " AIC_TOKEN=s3cret-token AIC_TLS_CA_CERT=" + shell_quote(tls + "server.pem") + " ";
  const std::string env = "cd " + shell_quote(dir) + " && " + vars;
  ShellResult up = run_shell(env + aic + " up -d --progress plain 2>&1");
  EXPECT_EQ(up.exit_code, 0) << up.out;
  // exec upgrades the connection: both directions go through the two TLS relays.
  ShellResult exec = run_shell("cd " + shell_quote(dir) + " && echo from-stdin | " + vars + aic +
                               " exec -T web cat 2>&1");
  EXPECT_EQ(exec.exit_code, 0) << exec.out;
  EXPECT_EQ(exec.out, "from-stdin\n");
  ShellResult ps = run_shell(env + aic + " ps --format json 2>&1");
  EXPECT_EQ(ps.exit_code, 0) << ps.out;
  EXPECT_THAT(ps.out, HasSubstr(project + "-web-1"));

  // Without the CA, the certificate is not trusted, and the message says what to do.
  ShellResult untrusted = run_shell("cd " + shell_quote(dir) + " && AIC_HOST=https://" + listen +
                                    " AIC_TOKEN=s3cret-token " + aic + " ps 2>&1");
  EXPECT_EQ(untrusted.exit_code, 3) << untrusted.out;
  EXPECT_THAT(untrusted.out, HasSubstr("certificate is not trusted"));
  EXPECT_THAT(untrusted.out, HasSubstr("--tlscacert"));

  ShellResult down = run_shell(env + aic + " down --progress plain 2>&1");
  EXPECT_EQ(down.exit_code, 0) << down.out;
  EXPECT_TRUE(project_containers(project).empty());
  if (!project_containers(project).empty()) {
    run_shell("docker rm -f " + project + "-web-1 >/dev/null 2>&1; docker network rm " + project +
              "_default >/dev/null 2>&1");
  }
  remove_dir(dir);
}

TEST(AicdApi, CliSaysHowToStartAicdWhenItIsNotRunning) {
  std::string dir = make_temp_dir("aic-nodaemon");
  write_file(dir + "/compose.yaml", "services:\n  web: {image: aic-test/busybox:latest}\n");
  ShellResult up =
      run_shell("cd " + shell_quote(dir) + " && AIC_HOST=unix://" + dir + "/none.sock " +
                shell_quote(std::string(AIC_BINARY_DIR) + "/aic") + " up -d 2>&1");
  EXPECT_EQ(up.exit_code, 3);
  EXPECT_THAT(up.out, HasSubstr("cannot connect to aicd"));
  EXPECT_THAT(up.out, HasSubstr("aicd --socket"));
  remove_dir(dir);
}

TEST(AicdApi, RefusesToStartWhenAnotherAicdHoldsTheSocket) {
  AIC_E2E_REQUIRE_ENGINE();
  AicdProcess first;
  ASSERT_TRUE(first.start());
  std::string second = std::string(AIC_BINARY_DIR) + "/aicd --socket " +
                       shell_quote(first.socket_path()) + " --state-dir " +
                       shell_quote(first.dir() + "/state2") + " 2>&1";
  ShellResult r = run_shell("timeout 10 " + second);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("another aicd"));
}

} // namespace
} // namespace aic::e2e
