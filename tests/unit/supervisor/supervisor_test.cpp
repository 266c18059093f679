// The Supervisor against a scripted fake engine, for what the real one cannot be made to do: a
// restart call that fails. Failed restarts spend the budget like the others, so an engine that
// keeps failing gets a bounded number of attempts, and each failure is recorded with its reason.

#include "../engine/fake_engine.hpp"
#include "events/event_hub.hpp"
#include "proto/project_types.hpp"
#include "store/project_store.hpp"
#include "supervisor/supervision_file.hpp"
#include "supervisor/supervisor.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>

namespace aic::supervisor {
namespace {

using namespace std::chrono_literals;
using engine::testing::FakeEngine;
using engine::testing::ServerConnection;
using ::testing::HasSubstr;
namespace asio = boost::asio;

std::string http_response(int status, const std::string& body) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Fake\r\n";
  if (status == 204) {
    return out + "\r\n";
  }
  return out + "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

const std::string kLabels = R"j("com.docker.compose.project":"p","com.docker.compose.service":)j"
                            R"j("api","com.docker.compose.oneoff":"False")j";

/// An engine with one unhealthy container of project p that cannot be restarted.
std::string answer(const std::string& line) {
  std::string target = line.substr(line.find(' ') + 1);
  if (target.rfind("/v1.", 0) == 0) {
    target.erase(0, target.find('/', 1));
  }
  if (target.rfind("/version", 0) == 0) {
    return http_response(200, R"j({"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":)j"
                              R"j("1.12","Os":"linux","Arch":"amd64"})j");
  }
  if (target.rfind("/containers/json", 0) == 0) {
    return http_response(200, R"j([{"Id":"c1","Names":["/p-api-1"],"State":"running",)j"
                              R"j("Status":"Up 5 seconds (unhealthy)","Labels":{)j" +
                                  kLabels + "}}]");
  }
  if (target.rfind("/containers/c1/json", 0) == 0) {
    return http_response(
        200, R"j({"Id":"c1","Name":"/p-api-1","Config":{"Labels":{)j" + kLabels +
                 R"j(}},"State":{"Status":"running","Running":true,)j"
                 R"j("StartedAt":"2026-01-01T00:00:00.000000000Z","Health":{"Status":"unhealthy",)j"
                 R"j("FailingStreak":3,"Log":[{"Start":"2026-01-01T00:00:01Z","End":)j"
                 R"j("2026-01-01T00:00:01.5Z","ExitCode":1,"Output":"no answer on :80"}]}}})j");
  }
  if (target.rfind("/containers/c1/restart", 0) == 0) {
    return http_response(500, R"j({"message":"cannot restart container c1: boom"})j");
  }
  return http_response(404, R"j({"message":"fake engine: no route"})j");
}

class SupervisorTest : public ::testing::Test {
protected:
  void SetUp() override {
    char dir_template[] = "/tmp/aic-supervisor-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    inputs_ = std::make_unique<store::ProjectStore>(dir_);
    records_ = std::make_unique<store::ProjectStore>(dir_, "supervision");
    ASSERT_TRUE(inputs_->open());
    ASSERT_TRUE(records_->open());
    proto::UpRequest request;
    request.inputs.config_files = {dir_ + "/compose.yaml"};
    request.inputs.working_dir = dir_;
    request.inputs.files[dir_ + "/compose.yaml"] = R"(name: p
services:
  api:
    image: busybox
    restart: always
    healthcheck: {test: [CMD, "true"], interval: 1s}
    x-aic: {restart_on_unhealthy: {max_attempts: 2, backoff: 50ms, max_backoff: 50ms}}
)";
    nlohmann::json state = {{"version", 1}, {"request", request}};
    ASSERT_TRUE(inputs_->save("p", state.dump()));
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Runs aicd's loop for `how_long` against the fake engine.
  void run_for(std::chrono::milliseconds how_long) {
    asio::steady_timer stop(io_, how_long);
    stop.async_wait([this](boost::system::error_code) {
      supervisor_->stop();
      hub_.close();
    });
    io_.run_for(how_long + 2s);
  }

  std::string dir_;
  std::unique_ptr<store::ProjectStore> inputs_;
  std::unique_ptr<store::ProjectStore> records_;
  asio::io_context io_;
  events::EventHub hub_{io_.get_executor()};
  asio::thread_pool pool_{1};
  std::set<std::string> busy_;
  std::unique_ptr<Supervisor> supervisor_;
};

TEST_F(SupervisorTest, FailedRestartsSpendTheBudgetAndAreRecordedWithTheEnginesError) {
  std::mutex mutex;
  std::vector<std::string> lines;
  FakeEngine engine([&](ServerConnection& c) -> asio::awaitable<void> {
    while (auto raw = co_await c.read_request()) {
      const std::string line = raw->substr(0, raw->find(" HTTP/1.1\r\n"));
      {
        std::lock_guard lock(mutex);
        lines.push_back(line);
      }
      co_await c.write(answer(line));
    }
  });
  engine::ClientOptions options;
  options.address = engine.address();
  options.call_deadline = 2s;
  engine::DockerClient docker(io_.get_executor(), options);
  SupervisorOptions supervision;
  supervision.resync_interval = 100ms;
  supervisor_ = std::make_unique<Supervisor>(io_.get_executor(), docker, hub_, *inputs_, *records_,
                                             pool_, busy_, supervision);
  supervisor_->start();
  run_for(1500ms);

  int restarts = 0;
  {
    std::lock_guard lock(mutex);
    for (const auto& l : lines) {
      restarts += l.find("/containers/c1/restart") != std::string::npos ? 1 : 0;
    }
  }
  EXPECT_EQ(restarts, 2) << "two attempts, then the budget is spent";

  events::EventBatch batch = hub_.read_after(0, events::EventFilter{}, 100);
  std::vector<std::string> actions;
  for (const auto& e : batch.events) {
    actions.push_back(e.action);
    if (e.action == "restart failed") {
      EXPECT_THAT(e.attributes.at("error"), HasSubstr("boom"));
      EXPECT_EQ(e.attributes.at("detail"), "no answer on :80");
    }
  }
  EXPECT_THAT(actions, ::testing::ElementsAre("restart scheduled", "restarting", "restart failed",
                                              "restart scheduled", "restarting", "restart failed",
                                              "gave up"));

  proto::ProjectStatus status;
  status.name = "p";
  status.containers.push_back(proto::ContainerStatus{.name = "p-api-1", .service = "api"});
  supervisor_->fill(status);
  ASSERT_EQ(status.supervision.size(), 1u);
  EXPECT_EQ(status.supervision[0].state, "failed");
  EXPECT_EQ(status.supervision[0].restarts, 0); // none of them worked
  ASSERT_EQ(status.supervision[0].recent.size(), 2u);
  EXPECT_THAT(status.supervision[0].recent[1].error, HasSubstr("boom"));
  EXPECT_EQ(status.containers[0].restarts, 0);
  EXPECT_EQ(supervisor_->failed_services(), 1);

  // The budget is kept in the state directory: a restarted aicd does not refill it.
  Result<std::optional<std::string>> saved = records_->load("p");
  ASSERT_TRUE(saved && *saved);
  nlohmann::json file = nlohmann::json::parse(**saved);
  EXPECT_TRUE(file["budgets"]["api"]["failed"].get<bool>());
  EXPECT_EQ(file["budgets"]["api"]["attempts"].size(), 2u);
}

} // namespace
} // namespace aic::supervisor

namespace aic::supervisor {
namespace {

TEST(SupervisionFile, RoundTripsAndRefusesWhatIsNotOne) {
  SupervisionFile file;
  file.watched_until_ns = 1'700'000'000'123'456'789;
  file.budgets["api"].attempts = {health::Time{} +
                                  std::chrono::nanoseconds(1'700'000'000'000'000'001)};
  file.budgets["api"].failed = true;
  file.container_restarts["p-api-1"] = 3;
  file.service_restarts["api"] = 3;
  proto::RestartRecord record;
  record.time_ns = 1'700'000'000'000'000'002;
  record.service = "api";
  record.container = "p-api-1";
  record.reason = "unhealthy";
  record.attempt = 1;
  record.detail = "no answer";
  file.records.push_back(record);
  Result<SupervisionFile> back = decode_supervision_file(encode_supervision_file("p", file));
  ASSERT_TRUE(back) << back.error().describe();
  EXPECT_EQ(*back, file);
  EXPECT_FALSE(decode_supervision_file("[1, 2]"));
  EXPECT_FALSE(decode_supervision_file(R"({"budgets": {"api": {"attempts": ["x"]}}})"));
}

} // namespace
} // namespace aic::supervisor
