#include "health/supervision.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::health {
namespace {

using namespace std::chrono_literals;

/// Replays what the engine reports about a project against a fake clock.
class SupervisionTest : public ::testing::Test {
protected:
  Time at(std::chrono::milliseconds offset) const { return Time{} + 1000h + offset; }

  static ServiceRules rules(std::string service, bool supervised,
                            std::vector<DependencyRule> deps = {}) {
    ServiceRules r;
    r.service = std::move(service);
    r.policy.enabled = supervised;
    r.policy.max_attempts = 3;
    r.policy.window = 10min;
    r.policy.backoff = 1s;
    r.policy.max_backoff = 4s;
    r.policy.reset_after = 1min;
    r.depends_on = std::move(deps);
    return r;
  }

  /// A running container `<service>-1` (id `<service>`), started at `started`.
  void run(const std::string& service, Time started, std::string health = "",
           std::optional<Time> healthy_at = std::nullopt, Time now = {}) {
    ContainerView v;
    v.id = service;
    v.name = "p-" + service + "-1";
    v.service = service;
    v.running = true;
    v.health = std::move(health);
    v.started_at = started;
    v.healthy_at = healthy_at;
    if (v.health == "unhealthy") {
      v.health_output = "probe failed";
    }
    sup.observe(v, now == Time{} ? started : now);
  }

  void health(const std::string& service, std::string status, Time now) {
    ContainerView v = sup.containers().at(service);
    v.health = std::move(status);
    v.health_output = v.health == "unhealthy" ? "probe failed" : "";
    if (v.health == "healthy") {
      v.healthy_at = now;
    }
    sup.observe(v, now);
  }

  void stop(const std::string& service, Time now, int exit_code = 0) {
    ContainerView v = sup.containers().at(service);
    v.running = false;
    v.health = "unhealthy";
    v.exit_code = exit_code;
    sup.observe(v, now);
  }

  /// Carries out a restart the way the supervisor does: the new start is observed before the
  /// action is reported finished.
  void restart(const RestartAction& a, Time started, std::string new_health = "starting") {
    ContainerView v = sup.containers().at(a.container_id);
    v.started_at = started;
    v.health = std::move(new_health);
    v.healthy_at.reset();
    sup.observe(v, started);
    sup.finished(a, true, started);
  }

  std::vector<std::string> restarted(const std::vector<RestartAction>& actions) {
    std::vector<std::string> out;
    for (const auto& a : actions) {
      out.push_back(a.service + ":" + std::string(reason_name(a.reason)));
    }
    return out;
  }

  std::vector<Notice::Kind> kinds() {
    std::vector<Notice::Kind> out;
    for (const auto& n : sup.take_notices()) {
      out.push_back(n.kind);
    }
    return out;
  }

  ProjectSupervision sup;
};

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Kind = Notice::Kind;

TEST_F(SupervisionTest, UnhealthyContainerIsRestartedAtOnceThenWithBackoff) {
  sup.set_rules({rules("api", true)});
  run("api", at(0ms), "healthy", at(0ms));
  EXPECT_THAT(sup.take_due(at(1s)), IsEmpty());

  health("api", "unhealthy", at(10s));
  std::vector<RestartAction> due = sup.take_due(at(10s));
  ASSERT_THAT(restarted(due), ElementsAre("api:unhealthy"));
  EXPECT_EQ(due[0].attempt, 1);
  EXPECT_EQ(due[0].detail, "probe failed");
  restart(due[0], at(11s));

  // Unhealthy again: the second attempt waits the base backoff (no jitter here).
  health("api", "unhealthy", at(20s));
  EXPECT_THAT(sup.take_due(at(20s)), IsEmpty());
  EXPECT_EQ(sup.next_wakeup(at(20s)), at(21s));
  due = sup.take_due(at(21s));
  ASSERT_THAT(restarted(due), ElementsAre("api:unhealthy"));
  EXPECT_EQ(due[0].attempt, 2);
  restart(due[0], at(22s));
  EXPECT_THAT(kinds(), ElementsAre(Kind::Scheduled, Kind::Scheduled));
}

TEST_F(SupervisionTest, FlappingHealthCancelsTheWaitingRestart) {
  sup.set_rules({rules("api", true)});
  run("api", at(0ms), "unhealthy");
  restart(sup.take_due(at(1s)).at(0), at(2s));
  health("api", "unhealthy", at(5s));
  EXPECT_THAT(sup.take_due(at(5s)), IsEmpty()); // attempt 2 waits 1 s
  health("api", "healthy", at(5500ms));
  EXPECT_THAT(sup.take_due(at(6s)), IsEmpty());
  EXPECT_THAT(kinds(), ElementsAre(Kind::Scheduled, Kind::Scheduled, Kind::Cancelled));
  EXPECT_EQ(sup.states(at(6s)).at(0).attempts_in_window, 1);
}

TEST_F(SupervisionTest, SpentBudgetMarksTheServiceFailedAndStopsRestarting) {
  sup.set_rules({rules("api", true), rules("db", true)});
  run("db", at(0ms), "healthy", at(0ms));
  run("api", at(0ms), "unhealthy");
  Time now = at(1s);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    std::vector<RestartAction> due = sup.take_due(now);
    if (due.empty()) {
      std::optional<Time> wake = sup.next_wakeup(now);
      ASSERT_TRUE(wake);
      now = *wake;
      due = sup.take_due(now);
    }
    ASSERT_THAT(restarted(due), ElementsAre("api:unhealthy")) << "attempt " << attempt;
    EXPECT_EQ(due[0].attempt, attempt);
    restart(due[0], now + 100ms);
    now += 10s;
    health("api", "unhealthy", now);
  }
  EXPECT_THAT(sup.take_due(now), IsEmpty());
  EXPECT_THAT(sup.take_due(now + 1h), IsEmpty());
  std::vector<Notice> notices = sup.take_notices();
  ASSERT_FALSE(notices.empty());
  EXPECT_EQ(notices.back().kind, Kind::GaveUp);
  EXPECT_THAT(notices.back().message, ::testing::HasSubstr("after 3 restarts within 10m0s"));
  std::vector<ServiceState> states = sup.states(now);
  EXPECT_TRUE(states.at(0).failed);  // api
  EXPECT_FALSE(states.at(1).failed); // db untouched
}

TEST_F(SupervisionTest, StayingHealthyResetsTheBudget) {
  sup.set_rules({rules("api", true)});
  run("api", at(0ms), "unhealthy");
  restart(sup.take_due(at(0ms)).at(0), at(1s));
  health("api", "healthy", at(2s));
  EXPECT_EQ(sup.next_wakeup(at(2s)), at(62s));
  sup.take_due(at(62s));
  EXPECT_THAT(kinds(), ElementsAre(Kind::Scheduled, Kind::BudgetReset));
  EXPECT_EQ(sup.states(at(62s)).at(0).attempts_in_window, 0);
  health("api", "unhealthy", at(70s));
  std::vector<RestartAction> due = sup.take_due(at(70s));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempt, 1); // immediate again
}

TEST_F(SupervisionTest, GracePeriodDelaysTheFirstReaction) {
  ServiceRules r = rules("api", true);
  r.policy.grace = 30s;
  sup.set_rules({r});
  run("api", at(0ms), "unhealthy", std::nullopt, at(5s));
  EXPECT_THAT(sup.take_due(at(5s)), IsEmpty());
  EXPECT_EQ(sup.next_wakeup(at(5s)), at(30s));
  EXPECT_THAT(restarted(sup.take_due(at(30s))), ElementsAre("api:unhealthy"));
}

TEST_F(SupervisionTest, UnsupervisedServiceIsLeftUnhealthy) {
  sup.set_rules({rules("api", false)});
  run("api", at(0ms), "unhealthy");
  EXPECT_THAT(sup.take_due(at(1h)), IsEmpty());
  EXPECT_FALSE(sup.next_wakeup(at(1h)));
}

TEST_F(SupervisionTest, ManualStopIsNotHealed) {
  sup.set_rules({rules("api", true)});
  run("api", at(0ms), "healthy", at(0ms));
  health("api", "unhealthy", at(10s));
  restart(sup.take_due(at(10s)).at(0), at(11s));
  health("api", "unhealthy", at(20s));
  EXPECT_THAT(sup.take_due(at(20s)), IsEmpty()); // attempt 2 waits for its backoff
  stop("api", at(20500ms));                      // `aic stop api` meanwhile
  EXPECT_THAT(sup.take_due(at(25s)), IsEmpty());
  EXPECT_THAT(sup.take_due(at(1h)), IsEmpty());
  EXPECT_THAT(kinds(), ElementsAre(Kind::Scheduled, Kind::Scheduled, Kind::Cancelled));
}

TEST_F(SupervisionTest, DependentsWithRestartTrueAreBouncedInOrderOnceReady) {
  sup.set_rules({rules("db", true), rules("api", false, {{"db", Condition::Healthy, true}}),
                 rules("web", false, {{"api", Condition::Started, true}}),
                 rules("batch", false, {{"db", Condition::Healthy, false}})});
  run("db", at(0ms), "healthy", at(1s));
  run("api", at(2s));
  run("web", at(3s));
  run("batch", at(3s));
  EXPECT_THAT(sup.take_due(at(10s)), IsEmpty());

  // db goes unhealthy and aicd restarts it; nothing else moves while it is not healthy.
  health("db", "unhealthy", at(20s));
  std::vector<RestartAction> due = sup.take_due(at(20s));
  ASSERT_THAT(restarted(due), ElementsAre("db:unhealthy"));
  restart(due[0], at(21s));
  EXPECT_THAT(sup.take_due(at(22s)), IsEmpty());

  // db healthy: api first (web waits for it), batch never (restart: false).
  health("db", "healthy", at(23s));
  due = sup.take_due(at(23s));
  ASSERT_THAT(restarted(due), ElementsAre("api:dependency"));
  EXPECT_EQ(due[0].detail, "db restarted");
  EXPECT_THAT(sup.take_due(at(23500ms)), IsEmpty()); // api in flight: web waits
  restart(due[0], at(24s), "");
  due = sup.take_due(at(24s));
  ASSERT_THAT(restarted(due), ElementsAre("web:dependency"));
  restart(due[0], at(25s), "");
  EXPECT_THAT(sup.take_due(at(1h)), IsEmpty());
}

TEST_F(SupervisionTest, DependencyThatOnlyFlickeredUnhealthyDoesNotBounceDependents) {
  sup.set_rules({rules("db", false), rules("api", false, {{"db", Condition::Healthy, true}})});
  run("db", at(0ms), "healthy", at(1s));
  run("api", at(2s));
  health("db", "unhealthy", at(10s)); // not restarted: its policy is off
  health("db", "healthy", at(12s));   // a later health event, same start
  EXPECT_THAT(sup.take_due(at(12s)), IsEmpty());
}

TEST_F(SupervisionTest, FailedBounceIsRetriedAfterABackoffAndNeverRepeatedForTheSameCause) {
  sup.set_rules({rules("db", false), rules("api", false, {{"db", Condition::Started, true}})});
  run("db", at(0ms));
  run("api", at(1s));
  run("db", at(5s)); // db started again
  sup.take_notices();
  std::vector<RestartAction> due = sup.take_due(at(5s));
  ASSERT_THAT(restarted(due), ElementsAre("api:dependency"));
  sup.finished(due[0], false, at(5100ms)); // the engine refused
  EXPECT_THAT(sup.take_due(at(5500ms)), IsEmpty());
  EXPECT_EQ(sup.next_wakeup(at(5500ms)), at(6100ms));
  due = sup.take_due(at(6100ms));
  ASSERT_THAT(restarted(due), ElementsAre("api:dependency"));
  // It worked, but aicd could not read the container back: still no second bounce.
  sup.finished(due[0], true, at(6200ms));
  EXPECT_THAT(sup.take_due(at(7s)), IsEmpty());
}

TEST_F(SupervisionTest, UnhealthyDependentWaitsWhileItsDependencyIsRestarted) {
  sup.set_rules({rules("db", true), rules("api", true, {{"db", Condition::Healthy, false}})});
  run("db", at(0ms), "healthy", at(1s));
  run("api", at(2s), "healthy", at(3s));
  health("db", "unhealthy", at(10s));
  health("api", "unhealthy", at(10s));
  std::vector<RestartAction> due = sup.take_due(at(10s));
  ASSERT_THAT(restarted(due), ElementsAre("db:unhealthy")); // api is held back
  restart(due[0], at(11s));
  EXPECT_THAT(sup.take_due(at(11500ms)), IsEmpty()); // db still starting
  health("db", "healthy", at(12s));
  health("api", "healthy", at(12500ms)); // api recovers with db: no restart spent
  EXPECT_THAT(sup.take_due(at(13s)), IsEmpty());
  EXPECT_EQ(sup.states(at(13s)).at(0).attempts_in_window, 0); // api
}

TEST_F(SupervisionTest, RestartByTheEnginePolicyIsReportedAndBouncesDependents) {
  sup.set_rules({rules("db", false), rules("api", false, {{"db", Condition::Started, true}})});
  run("db", at(0ms));
  run("api", at(1s));
  stop("db", at(10s), 137);
  run("db", at(11s)); // the engine's restart policy started it again
  std::vector<Notice> notices = sup.take_notices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].kind, Kind::ObservedRestart);
  EXPECT_EQ(notices[0].action.reason, Reason::Exited);
  EXPECT_EQ(notices[0].action.detail, "exit code 137");
  EXPECT_THAT(restarted(sup.take_due(at(11s))), ElementsAre("api:dependency"));
}

TEST_F(SupervisionTest, StartsDuringAnOperationAreNotReportedAsRestarts) {
  sup.set_rules({rules("db", false)});
  run("db", at(0ms));
  ContainerView v = sup.containers().at("db");
  v.started_at = at(5s);
  sup.observe(v, at(5s), true);
  EXPECT_THAT(sup.take_notices(), IsEmpty());
}

TEST_F(SupervisionTest, AfterAnEngineRestartTheProjectIsReorderedByDependency) {
  sup.set_rules({rules("db", true), rules("api", false, {{"db", Condition::Healthy, false}}),
                 rules("web", false, {{"api", Condition::Started, false}})});
  // The engine came back and started all three at once, in arbitrary order, while aicd was away.
  run("web", at(100ms));
  run("api", at(200ms));
  run("db", at(300ms), "starting");
  sup.recover(at(0ms), at(1s), 30s);
  EXPECT_THAT(sup.take_due(at(1s)), IsEmpty()); // db not healthy yet: everyone waits
  health("db", "healthy", at(2s));
  std::vector<RestartAction> due = sup.take_due(at(2s));
  ASSERT_THAT(restarted(due), ElementsAre("api:order"));
  EXPECT_EQ(due[0].detail, "started before db was ready");
  restart(due[0], at(3s), "");
  due = sup.take_due(at(3s));
  ASSERT_THAT(restarted(due), ElementsAre("web:order"));
  restart(due[0], at(4s), "");
  EXPECT_THAT(sup.take_due(at(5s)), IsEmpty());
  // Later restarts of db do not bounce api: its depends_on has restart: false.
  ContainerView db = sup.containers().at("db");
  db.started_at = at(1h);
  db.healthy_at = at(1h);
  sup.observe(db, at(1h));
  EXPECT_THAT(sup.take_due(at(1h)), IsEmpty());
}

TEST_F(SupervisionTest, ContainersAlreadyInOrderAreLeftAloneAfterAReconnect) {
  sup.set_rules({rules("db", false), rules("api", false, {{"db", Condition::Healthy, false}})});
  run("db", at(0ms), "healthy", at(1s));
  run("api", at(2s));
  sup.recover(at(0ms), at(3s), 30s);
  EXPECT_THAT(sup.take_due(at(3s)), IsEmpty());
}

TEST_F(SupervisionTest, RestoredBudgetKeepsAFailedServiceFailed) {
  sup.set_rules({rules("api", true)});
  sup.restore("api", {at(0ms), at(1s), at(2s)}, true);
  run("api", at(3s), "unhealthy");
  EXPECT_THAT(sup.take_due(at(4s)), IsEmpty());
  EXPECT_TRUE(sup.states(at(4s)).at(0).failed);
}

} // namespace
} // namespace aic::health
