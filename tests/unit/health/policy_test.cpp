#include "../compose/loader_test_support.hpp"
#include "health/policy.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::health {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class RestartPolicyTest : public compose::testing::ProjectFixture {
protected:
  Result<RestartOnUnhealthy> policy_of(const std::string& yaml, const std::string& service) {
    file("compose.yaml", yaml);
    Result<compose::LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return unexpected(loaded.error());
    }
    Result<compose::ProjectSpec> spec = compose::to_project_spec(*loaded);
    const compose::ServiceSpec* s = spec ? spec->service(service) : nullptr;
    if (!s) {
      ADD_FAILURE() << "no service " << service;
      return unexpected(Error(ErrorCode::NotFound, service));
    }
    return restart_on_unhealthy(loaded->model, *s);
  }
};

TEST_F(RestartPolicyTest, FollowsTheRestartPolicyByDefault) {
  const std::string yaml = R"(
services:
  always: {image: x, restart: always}
  stopped: {image: x, restart: unless-stopped}
  failing: {image: x, restart: "on-failure:3"}
  never: {image: x}
  disabled: {image: x, restart: always, healthcheck: {disable: true}}
)";
  EXPECT_TRUE(policy_of(yaml, "always")->enabled);
  EXPECT_TRUE(policy_of(yaml, "stopped")->enabled);
  Result<RestartOnUnhealthy> failing = policy_of(yaml, "failing");
  EXPECT_TRUE(failing->enabled);
  EXPECT_EQ(failing->max_attempts, 3);
  EXPECT_FALSE(policy_of(yaml, "never")->enabled);
  EXPECT_FALSE(policy_of(yaml, "disabled")->enabled);
}

TEST_F(RestartPolicyTest, DeployRestartPolicyTunesTheBudget) {
  Result<RestartOnUnhealthy> p = policy_of(R"(
services:
  api:
    image: x
    deploy:
      restart_policy: {condition: any, max_attempts: 2, delay: 3s, window: 1m}
)",
                                           "api");
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_TRUE(p->enabled);
  EXPECT_EQ(p->max_attempts, 2);
  EXPECT_EQ(p->backoff, 3s);
  EXPECT_EQ(p->window, 1min);
}

TEST_F(RestartPolicyTest, ServiceExtensionOverridesProjectDefaults) {
  const std::string yaml = R"(
x-aic:
  restart_on_unhealthy: {max_attempts: 7, backoff: 2s}
services:
  api:
    image: x
    x-aic:
      restart_on_unhealthy: {grace: 30s, max_backoff: 10s, reset_after: 1m, window: 5m}
  off:
    image: x
    restart: always
    x-aic: {restart_on_unhealthy: false}
)";
  Result<RestartOnUnhealthy> api = policy_of(yaml, "api");
  ASSERT_TRUE(api) << api.error().describe();
  EXPECT_TRUE(api->enabled); // a mapping turns it on, even with restart: "no"
  EXPECT_EQ(api->max_attempts, 7);
  EXPECT_EQ(api->backoff, 2s);
  EXPECT_EQ(api->grace, 30s);
  EXPECT_EQ(api->max_backoff, 10s);
  EXPECT_EQ(api->reset_after, 1min);
  EXPECT_EQ(api->window, 5min);
  EXPECT_FALSE(policy_of(yaml, "off")->enabled);
}

TEST_F(RestartPolicyTest, BadValuesNameFileLineAndKey) {
  Result<RestartOnUnhealthy> p = policy_of(R"(services:
  api:
    image: x
    x-aic:
      restart_on_unhealthy:
        max_attempts: 0
        window: soon
        colour: blue
      autoheal: true
)",
                                           "api");
  ASSERT_FALSE(p);
  std::vector<std::string> details = p.error().details();
  ASSERT_EQ(details.size(), 4u) << p.error().describe();
  EXPECT_THAT(details[0], HasSubstr("compose.yaml:6:"));
  EXPECT_THAT(details[0], HasSubstr("services.api.x-aic.restart_on_unhealthy.max_attempts"));
  EXPECT_THAT(details[1], HasSubstr("restart_on_unhealthy.window: must be a duration"));
  EXPECT_THAT(details[2], HasSubstr("restart_on_unhealthy.colour: unknown key"));
  EXPECT_THAT(details[3], HasSubstr("services.api.x-aic.autoheal: not supported by aic"));
}

TEST(RestartDelay, FirstAttemptIsImmediateThenDoublesToTheCap) {
  RestartOnUnhealthy p;
  p.backoff = 1s;
  p.max_backoff = 5s;
  EXPECT_EQ(restart_delay(p, 1, 0.0), 0s);
  EXPECT_EQ(restart_delay(p, 2, 0.0), 1s);
  EXPECT_EQ(restart_delay(p, 3, 0.0), 2s);
  EXPECT_EQ(restart_delay(p, 4, 0.0), 4s);
  EXPECT_EQ(restart_delay(p, 5, 0.0), 5s);
  EXPECT_EQ(restart_delay(p, 50, 0.0), 5s);
  EXPECT_EQ(restart_delay(p, 3, 0.5), 2250ms); // jitter stretches by up to 25 %
  EXPECT_EQ(restart_delay(p, 3, 7.0), 2500ms); // clamped to the 25 % maximum
}

} // namespace
} // namespace aic::health
