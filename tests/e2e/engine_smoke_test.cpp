#include "engine/docker_host.hpp"
#include "engine/http_transport.hpp"
#include "engine_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <optional>
#include <string>

namespace aic::e2e {
namespace {

namespace asio = boost::asio;

class EngineSmoke : public EngineTest {};

TEST_F(EngineSmoke, HostEngineAnswersPingOverTheTransport) {
  asio::io_context io;
  engine::EngineAddress address;
  address.path = engine_socket();
  engine::HttpTransport transport(io.get_executor(), address);
  std::optional<Result<engine::HttpResponse>> result;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        engine::HttpRequest request;
        request.target = "/_ping";
        request.deadline = std::chrono::seconds(10);
        result.emplace(co_await transport.request(std::move(request)));
      },
      [](std::exception_ptr e) {
        if (e) {
          std::rethrow_exception(e);
        }
      });
  io.run();

  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(*result) << result->error().describe();
  EXPECT_EQ((*result)->status, 200);
  EXPECT_EQ((*result)->body, "OK");
}

TEST_F(EngineSmoke, ProjectCleanupRemovesTheProjectsContainersNetworksAndVolumes) {
  const std::string project = unique_project("cleanup");
  const std::string docker = docker_cli();
  const std::string label = " --label " + shell_quote(std::string(kProjectLabel) + "=" + project);
  {
    ProjectCleanup cleanup(project);
    ASSERT_EQ(run_shell(docker + " network create" + label + " " + project + "_default >/dev/null")
                  .exit_code,
              0);
    ASSERT_EQ(
        run_shell(docker + " volume create" + label + " " + project + "_data >/dev/null").exit_code,
        0);
    ASSERT_EQ(run_shell(docker + " run -d" + label + " --name " + project + "-web-1 --network " +
                        project + "_default -v " + project + "_data:/data " +
                        std::string(kTestImage) + " sleep 300 >/dev/null")
                  .exit_code,
              0);
    EXPECT_EQ(
        trim(run_shell(docker + " inspect -f '{{.State.Running}}' " + project + "-web-1").out),
        "true");
    ASSERT_EQ(run_shell(docker + " create" + label + " --name " + project + "-job-1 " +
                        std::string(kTestImage) + " true >/dev/null")
                  .exit_code,
              0);
  }
  const std::string filter =
      " --filter " + shell_quote("label=" + std::string(kProjectLabel) + "=" + project);
  EXPECT_EQ(run_shell(docker + " ps -aq" + filter).out, "");
  EXPECT_EQ(run_shell(docker + " network ls -q" + filter).out, "");
  EXPECT_EQ(run_shell(docker + " volume ls -q" + filter).out, "");
}

TEST(UniqueProject, IsLowerCaseDnsSafeAndNeverRepeats) {
  const std::string a = unique_project("Restarts_Unhealthy/Service 2");
  const std::string b = unique_project("Restarts_Unhealthy/Service 2");
  EXPECT_NE(a, b);
  EXPECT_TRUE(a.starts_with("aice2e-restarts-unhealthy-service-2-")) << a;
  for (const char c : a) {
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << a;
  }
  EXPECT_LE(unique_project(std::string(200, 'x')).size(), 7u + 40u + 1u + 10u + 1u + 10u);
}

} // namespace
} // namespace aic::e2e
