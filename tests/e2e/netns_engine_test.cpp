#include "engine_fixture.hpp"
#include "netns_engine.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace aic::e2e {
namespace {

/// `GET /_ping` through curl, as a client outside aic would ask.
std::string curl_ping(const std::string& socket_path) {
  return run_shell("curl -s --max-time 5 --unix-socket " + shell_quote(socket_path) +
                   " http://localhost/_ping")
      .out;
}

class PrivateEngine : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0 && !e2e_required()) {
      GTEST_SKIP() << "a private engine needs root";
    }
  }
};

TEST_F(PrivateEngine, StopsAndRestartsOnItsOwnSocket) {
  NetnsEngine engine;
  ASSERT_TRUE(engine.start());
  EXPECT_EQ(curl_ping(engine.socket_path()), "OK");

  ASSERT_TRUE(engine.stop());
  EXPECT_FALSE(engine.running());
  EXPECT_EQ(curl_ping(engine.socket_path()), "");
  EXPECT_FALSE(std::filesystem::exists(engine.socket_path()));

  ASSERT_TRUE(engine.start());
  EXPECT_EQ(curl_ping(engine.socket_path()), "OK");
}

TEST_F(PrivateEngine, RunsTheTestImageOnANetworkTheHostEngineDoesNotSee) {
  AIC_E2E_REQUIRE_ENGINE(); // the image comes from the host engine
  NetnsEngine engine;
  ASSERT_TRUE(engine.start());
  ASSERT_TRUE(engine.load_image());
  const std::string project = unique_project("private");
  ProjectCleanup cleanup(project, engine.socket_path());
  const std::string label = " --label " + shell_quote(std::string(kProjectLabel) + "=" + project);
  ASSERT_EQ(
      run_shell(engine.docker() + " network create" + label + " " + project + "_default >/dev/null")
          .exit_code,
      0);
  ASSERT_EQ(run_shell(engine.docker() + " run -d" + label + " --name " + project +
                      "-web-1 --network " + project + "_default " + std::string(kTestImage) +
                      " sleep 300 >/dev/null")
                .exit_code,
            0);

  EXPECT_EQ(
      trim(run_shell(engine.docker() + " inspect -f '{{.State.Running}}' " + project + "-web-1")
               .out),
      "true");
  EXPECT_NE(run_shell(docker_cli() + " inspect " + project + "-web-1 >/dev/null 2>&1").exit_code,
            0);
  // The network's bridge lives in the engine's namespace, not the host's.
  const std::string network_id = trim(
      run_shell(engine.docker() + " network inspect -f '{{.Id}}' " + project + "_default").out);
  ASSERT_GE(network_id.size(), 12u);
  const std::string bridge = "br-" + network_id.substr(0, 12);
  EXPECT_EQ(run_shell("ip -n " + shell_quote(engine.netns()) + " link show " + bridge +
                      " >/dev/null 2>&1")
                .exit_code,
            0);
  EXPECT_NE(run_shell("ip link show " + bridge + " >/dev/null 2>&1").exit_code, 0);
}

} // namespace
} // namespace aic::e2e
