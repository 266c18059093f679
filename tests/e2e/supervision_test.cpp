// aicd's supervision against the real engine: an unhealthy service restarted (and shown in ps,
// the project status and the event stream), a restart budget spent, a `restart: true` dependent
// bounced after its dependency restarted, and a project brought back in dependency order after
// its (private) engine restarted.

#include "aicd_fixture.hpp"
#include "netns_engine.hpp"

#include <chrono>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace aic::e2e {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

/// Polls `done` every 100 ms until it holds or `limit` passed.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return done();
}

bool has_event(const std::vector<nlohmann::json>& events, const std::string& action,
               const std::string& service, const std::string& reason) {
  for (const auto& e : events) {
    if (e.value("action", "") == action && e.value("service", "") == service &&
        e["attributes"].value("reason", "") == reason) {
      return true;
    }
  }
  return false;
}

/// The supervision entry of `service` in the project's status.
nlohmann::json supervision_of(const nlohmann::json& status, const std::string& service) {
  for (const auto& s : status.value("supervision", nlohmann::json::array())) {
    if (s.value("service", "") == service) {
      return s;
    }
  }
  return nlohmann::json::object();
}

/// Whether the service's recent restarts include one for `reason`.
bool has_record(const nlohmann::json& supervision, const std::string& reason) {
  for (const auto& r : supervision.value("recent", nlohmann::json::array())) {
    if (r.value("reason", "") == reason) {
      return true;
    }
  }
  return false;
}

/// The kept health probes as "start end exitcode" lines, times in RFC 3339.
const std::string kProbes =
    "{{range .State.Health.Log}}{{.Start.Format \"2006-01-02T15:04:05.999999999Z07:00\"}} "
    "{{.End.Format \"2006-01-02T15:04:05.999999999Z07:00\"}} {{.ExitCode}};{{end}}";

/// When the first passing probe that began after `since_ns` ended; 0 when there is none.
long long first_pass_after(const std::string& probes, long long since_ns) {
  std::stringstream in(probes);
  for (std::string entry; std::getline(in, entry, ';');) {
    std::stringstream fields(entry);
    std::string start, end;
    int code = -1;
    fields >> start >> end >> code;
    if (code == 0 && rfc3339_ns(start) > since_ns) {
      return rfc3339_ns(end);
    }
  }
  return 0;
}

class SupervisionTest : public AicdProjectTest {
protected:
  std::string started_at(const std::string& service) {
    return inspect(name(service), "{{.State.StartedAt}}");
  }
  std::string health(const std::string& service) {
    return inspect(name(service), "{{if .State.Health}}{{.State.Health.Status}}{{end}}");
  }
  nlohmann::json status() { return get_json(*aicd_, "/v1/projects/" + project_); }
};

const std::string kBusybox = "    image: aic-test/busybox:latest\n    stop_signal: SIGKILL\n";

TEST_F(SupervisionTest, UnhealthyServiceIsRestartedAndTheRestartIsListed) {
  compose("services:\n  api:\n" + kBusybox +
          "    command: [sh, -c, 'touch /tmp/ok; exec sleep 3600']\n"
          "    restart: always\n"
          "    healthcheck:\n"
          "      test: [CMD-SHELL, 'test -f /tmp/ok || { echo missing /tmp/ok; exit 1; }']\n"
          "      interval: 1s\n      timeout: 1s\n      retries: 2\n");
  AicResult up = aic({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string before = started_at("api");

  // `aic events` follows along (it shows aicd's restarts next to the container events).
  const std::string events_out = dir_ + "/events.out";
  const std::string events_pid = dir_ + "/events.pid";
  run_shell("(" + aic_command(*aicd_, dir_, {"events", "--json"}) + " >" + shell_quote(events_out) +
            " 2>/dev/null & echo $! >" + shell_quote(events_pid) + ")");
  std::this_thread::sleep_for(1s);

  // The check's file goes away: the engine reports unhealthy after two failed probes.
  auto broken = std::chrono::steady_clock::now();
  ASSERT_EQ(run_shell(docker_cli() + " exec " + name("api") + " rm /tmp/ok").exit_code, 0);
  ASSERT_TRUE(eventually([&] { return started_at("api") != before; }, 10s))
      << "not restarted; aicd log:\n"
      << aicd_->log();
  auto restarted_after = std::chrono::steady_clock::now() - broken;
  EXPECT_LT(restarted_after, 1s * 2 + 2s); // interval × retries + 2 s
  EXPECT_TRUE(eventually([&] { return health("api") == "healthy"; }));

  AicResult ps = aic({"ps", "--format", "json"});
  ASSERT_EQ(ps.exit_code, 0) << ps.err;
  nlohmann::json row = nlohmann::json::parse(ps.out);
  EXPECT_EQ(row["Restarts"], 1);
  AicResult table = aic({"ps"});
  EXPECT_THAT(table.out, HasSubstr("RESTARTS"));

  nlohmann::json api = supervision_of(status(), "api");
  EXPECT_EQ(api["restarts"], 1);
  EXPECT_EQ(api["state"], "ok");
  ASSERT_EQ(api["recent"].size(), 1u) << api.dump();
  EXPECT_EQ(api["recent"][0]["reason"], "unhealthy");
  EXPECT_EQ(api["recent"][0]["attempt"], 1);
  EXPECT_THAT(api["recent"][0]["detail"].get<std::string>(), HasSubstr("missing /tmp/ok"));

  std::vector<nlohmann::json> events = project_events(*aicd_, project_, "container,supervisor");
  EXPECT_TRUE(has_event(events, "restarted", "api", "unhealthy")) << nlohmann::json(events).dump();
  // aicd acted on the engine's unhealthy report within 100 ms of it.
  long long unhealthy_ns = 0;
  long long restarting_ns = 0;
  for (const auto& e : events) {
    const std::string action = e.value("action", "");
    if (unhealthy_ns == 0 && action == "health_status: unhealthy") {
      unhealthy_ns = rfc3339_ns(e.value("time", ""));
    }
    if (restarting_ns == 0 && action == "restarting") {
      restarting_ns = rfc3339_ns(e.value("time", ""));
    }
  }
  ASSERT_GT(unhealthy_ns, 0) << nlohmann::json(events).dump();
  ASSERT_GT(restarting_ns, 0) << nlohmann::json(events).dump();
  EXPECT_LT(restarting_ns - unhealthy_ns, 100'000'000) << "reaction in ns";

  bool cli_saw_it = eventually([&] {
    ShellResult text = run_shell("cat " + shell_quote(events_out));
    return text.out.find("\"type\":\"supervisor\"") != std::string::npos &&
           text.out.find("\"action\":\"restarted\"") != std::string::npos;
  });
  run_shell("kill $(cat " + shell_quote(events_pid) + ") 2>/dev/null");
  EXPECT_TRUE(cli_saw_it) << run_shell("cat " + shell_quote(events_out)).out;

  ShellResult metrics = run_shell("curl -s --max-time 5 --unix-socket " +
                                  shell_quote(aicd_->socket_path()) + " http://aicd/metrics");
  EXPECT_THAT(metrics.out, HasSubstr("aic_restarts_total{project=\"" + project_ +
                                     "\",service=\"api\",reason=\"unhealthy\"} 1"));
}

TEST_F(SupervisionTest, PermanentlyFailingServiceStopsBeingRestartedAfterItsBudget) {
  compose("services:\n  bad:\n" + kBusybox +
          "    command: [sleep, '3600']\n"
          "    restart: always\n"
          "    healthcheck: {test: [CMD-SHELL, 'echo broken; exit 1'], interval: 1s, retries: 1}\n"
          "    x-aic:\n"
          "      restart_on_unhealthy: {max_attempts: 2, backoff: 1s, max_backoff: 1s}\n"
          "  good:\n" +
          kBusybox + "    command: [sleep, '3600']\n    restart: always\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string good_started = started_at("good");

  ASSERT_TRUE(eventually([&] { return supervision_of(status(), "bad")["state"] == "failed"; }))
      << status().dump() << "\n"
      << aicd_->log();
  const std::string last_start = started_at("bad");
  std::this_thread::sleep_for(4s); // several more failing probes: no restart follows
  EXPECT_EQ(started_at("bad"), last_start);
  EXPECT_EQ(health("bad"), "unhealthy");
  nlohmann::json bad = supervision_of(status(), "bad");
  EXPECT_EQ(bad["restarts"], 2);
  EXPECT_EQ(bad["attempts_in_window"], 2);

  std::vector<nlohmann::json> events = project_events(*aicd_, project_);
  bool gave_up = false;
  for (const auto& e : events) {
    if (e.value("action", "") == "gave up" && e.value("service", "") == "bad") {
      gave_up = true;
      EXPECT_THAT(e["attributes"].value("message", ""), HasSubstr("after 2 restarts"));
    }
  }
  EXPECT_TRUE(gave_up) << nlohmann::json(events).dump();

  EXPECT_EQ(started_at("good"), good_started); // the other service is untouched
  EXPECT_EQ(supervision_of(status(), "good")["restarts"], 0);
  AicResult ps = aic({"ps"});
  EXPECT_THAT(ps.out, HasSubstr("2 (gave up)"));
}

TEST_F(SupervisionTest, RestartTrueDependentRestartsAfterItsDependency) {
  // db exits with code 3 when /tmp/die appears (and clears it when it starts).
  compose("services:\n  db:\n" + kBusybox +
          "    command: [sh, -c, 'rm -f /tmp/die; while [ ! -f /tmp/die ]; do sleep 0.2; done; "
          "exit 3']\n"
          "    restart: always\n"
          "    healthcheck: {test: [CMD, 'true'], interval: 1s}\n"
          "  app:\n" +
          kBusybox +
          "    command: [sleep, '3600']\n"
          "    depends_on: {db: {condition: service_healthy, restart: true}}\n"
          "  other:\n" +
          kBusybox +
          "    command: [sleep, '3600']\n"
          "    depends_on: {db: {condition: service_healthy}}\n");
  AicResult up = aic({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  const std::string db_before = started_at("db");
  const std::string app_before = started_at("app");
  const std::string other_before = started_at("other");

  // db exits; the engine's restart policy starts it again (aicd did not restart it).
  ASSERT_EQ(run_shell(docker_cli() + " exec " + name("db") + " touch /tmp/die").exit_code, 0);
  ASSERT_TRUE(eventually([&] { return started_at("app") != app_before; }))
      << "app was not restarted; aicd log:\n"
      << aicd_->log();
  const std::string db_after = started_at("db");
  EXPECT_NE(db_after, db_before);
  // app started again only after db was back and healthy.
  long long db_healthy = first_pass_after(inspect(name("db"), kProbes), rfc3339_ns(db_after));
  ASSERT_GT(db_healthy, 0);
  EXPECT_GT(rfc3339_ns(started_at("app")), db_healthy);
  EXPECT_EQ(started_at("other"), other_before); // restart: false

  nlohmann::json s = status();
  EXPECT_TRUE(has_record(supervision_of(s, "app"), "dependency")) << s.dump();
  EXPECT_TRUE(has_record(supervision_of(s, "db"), "exited")) << s.dump();
  EXPECT_FALSE(has_record(supervision_of(s, "other"), "dependency")) << s.dump();
}

/// An aicd on a private engine in its own network namespace, which the test restarts, and a
/// project of three services: db (healthcheck), app (needs db healthy), web (needs app started).
class EngineRestartTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0 && !e2e_required()) {
      GTEST_SKIP() << "a private engine needs root";
    }
    AIC_E2E_REQUIRE_ENGINE();
    ASSERT_TRUE(engine_.start());
    ASSERT_TRUE(engine_.load_image());
    aicd_ = std::make_unique<AicdProcess>(
        std::vector<std::string>{"--docker-host", engine_.docker_host()});
    ASSERT_TRUE(aicd_->start()) << aicd_->log();
    project_ = unique_project(::testing::UnitTest::GetInstance()->current_test_info()->name());
    dir_ = make_temp_dir("aic-e2e-order");
    const std::string always = "    command: [sleep, '3600']\n    restart: always\n";
    write_file(dir_ + "/compose.yaml",
               "name: " + project_ + "\nservices:\n  db:\n" + kBusybox + always +
                   "    healthcheck: {test: [CMD, 'true'], interval: 1s}\n  app:\n" + kBusybox +
                   always + "    depends_on: {db: {condition: service_healthy}}\n  web:\n" +
                   kBusybox + always + "    depends_on: [app]\n");
    AicResult up = run_aic(*aicd_, dir_, {"up", "-d", "--wait"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }

  void TearDown() override {
    if (aicd_) {
      aicd_->stop();
    }
    if (!dir_.empty()) {
      remove_dir(dir_);
    }
  }

  std::string field(const std::string& service, const std::string& format) {
    return trim(run_shell(engine_.docker() + " inspect -f " + shell_quote(format) + " " + project_ +
                          "-" + service + "-1 2>/dev/null")
                    .out);
  }
  long long started(const std::string& service) {
    return rfc3339_ns(field(service, "{{.State.StartedAt}}"));
  }

  /// Waits until db is healthy again after `before`, app started after db turned healthy and
  /// web after app; then checks aicd recorded the reorder.
  void expect_back_in_order(long long before) {
    long long db_healthy = 0;
    bool ordered = eventually(
        [&] {
          if (field("db", "{{.State.Health.Status}}") != "healthy" ||
              field("app", "{{.State.Running}}") != "true" ||
              field("web", "{{.State.Running}}") != "true") {
            return false;
          }
          db_healthy = first_pass_after(field("db", kProbes), started("db"));
          return started("db") > before && db_healthy > 0 && started("app") > db_healthy &&
                 started("web") > started("app");
        },
        90s);
    EXPECT_TRUE(ordered) << "db " << started("db") << " healthy " << db_healthy << " app "
                         << started("app") << " web " << started("web") << "\naicd log:\n"
                         << aicd_->log();
    nlohmann::json s = get_json(*aicd_, "/v1/projects/" + project_);
    EXPECT_TRUE(has_record(supervision_of(s, "app"), "order")) << s.dump();
    EXPECT_TRUE(has_record(supervision_of(s, "web"), "order")) << s.dump();
    EXPECT_FALSE(has_record(supervision_of(s, "db"), "order")) << s.dump();
  }

  NetnsEngine engine_;
  std::unique_ptr<AicdProcess> aicd_;
  std::string project_;
  std::string dir_;
};

TEST_F(EngineRestartTest, ProjectComesBackInDependencyOrder) {
  const long long before = started("db");
  ASSERT_TRUE(engine_.stop());
  ASSERT_TRUE(engine_.start()) << engine_.log_tail();
  // The engine starts all three at once; aicd re-lists, waits for db to be healthy, then
  // restarts app and web after it, in that order.
  expect_back_in_order(before);
}

TEST_F(EngineRestartTest, WhileTheEngineIsDownTheApiSays503AndAicdResyncsWhenItReturns) {
  const long long before = started("db");
  ASSERT_TRUE(engine_.stop());
  // Within a second or two (the status cache drops with the engine's event connection).
  const std::string url = "http://aicd/v1/projects/" + project_;
  ShellResult answer;
  const bool unavailable = eventually(
      [&] {
        answer = run_shell("curl -s --max-time 10 -w '\\n%{http_code}' --unix-socket " +
                           shell_quote(aicd_->socket_path()) + " " + shell_quote(url));
        return answer.out.size() >= 3 && answer.out.substr(answer.out.size() - 3) == "503";
      },
      30s);
  ASSERT_TRUE(unavailable) << answer.out;
  const nlohmann::json error =
      nlohmann::json::parse(answer.out.substr(0, answer.out.rfind('\n')), nullptr, false);
  EXPECT_EQ(error["error"]["code"], "engine_unavailable") << answer.out;
  EXPECT_NE(error["error"]["message"].get<std::string>().find("Docker engine"), std::string::npos)
      << answer.out;
  AicResult ps = run_aic(*aicd_, dir_, {"ps"});
  EXPECT_NE(ps.exit_code, 0);
  EXPECT_NE(ps.err.find("Docker engine"), std::string::npos) << ps.err;

  ASSERT_TRUE(engine_.start()) << engine_.log_tail();
  expect_back_in_order(before);
  AicResult after = run_aic(*aicd_, dir_, {"ps"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

TEST_F(EngineRestartTest, AicdStartedAfterTheEngineRestartsPutsTheProjectInOrder) {
  // As after a reboot: the engine comes back (and starts everything) while aicd is not there.
  // aicd saved when it last watched the project, so it knows those starts were unwatched.
  std::this_thread::sleep_for(1s);
  const long long before = started("db");
  aicd_->stop();
  ASSERT_TRUE(engine_.stop());
  ASSERT_TRUE(engine_.start()) << engine_.log_tail();
  ASSERT_TRUE(eventually([&] { return field("web", "{{.State.Running}}") == "true"; }));
  ASSERT_TRUE(aicd_->start()) << aicd_->log();
  expect_back_in_order(before);
}

} // namespace
} // namespace aic::e2e
