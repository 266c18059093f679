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
