#include "supervisor/project_operations.hpp"
#include "supervisor/service_order.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace aic::supervisor {
namespace {

struct HealthCase {
  std::string status;
  std::string health;
};

TEST(StatusHelpers, ReadsTheHealthWordFromTheEngineStatusText) {
  const std::vector<HealthCase> cases = {
      {"Up 3 seconds (healthy)", "healthy"},
      {"Up 2 minutes (unhealthy)", "unhealthy"},
      {"Up 1 second (health: starting)", "starting"},
      {"Up About an hour (Paused)", ""},
      {"Up 5 seconds", ""},
      {"Exited (0) 2 minutes ago", ""},
      {"Exited (137) 5 seconds ago", ""},
      {"Created", ""},
      {"", ""},
      // Only the parenthesised word counts.
      {"Up 3 seconds healthy", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(health_from_status(c.status), c.health) << c.status;
  }
}

proto::ContainerStatus container(std::string service, std::string state) {
  proto::ContainerStatus c;
  c.service = std::move(service);
  c.state = std::move(state);
  return c;
}

TEST(StatusHelpers, SummarizesNoContainersAsAnEmptyString) {
  EXPECT_EQ(summarize_states({}), "");
}

TEST(StatusHelpers, CountsEachStateOnce) {
  EXPECT_EQ(summarize_states({container("web", "running")}), "running(1)");
}

TEST(StatusHelpers, SummarizesStatesSortedByNameWithCounts) {
  std::vector<proto::ContainerStatus> containers = {
      container("web", "running"), container("job", "exited"),  container("db", "running"),
      container("new", "created"), container("web", "running"), container("old", "exited"),
  };
  EXPECT_EQ(summarize_states(containers), "created(1), exited(2), running(3)");
}

TEST(StatusHelpers, SummaryDoesNotDependOnContainerOrder) {
  std::vector<proto::ContainerStatus> a = {container("a", "running"), container("b", "paused"),
                                           container("c", "restarting")};
  std::vector<proto::ContainerStatus> b = {a[2], a[0], a[1]};
  EXPECT_EQ(summarize_states(a), summarize_states(b));
  EXPECT_EQ(summarize_states(a), "paused(1), restarting(1), running(1)");
}

} // namespace
} // namespace aic::supervisor

namespace aic::supervisor {
namespace {

TEST(LabelDependencies, TheLastFieldIsRestartAsComposeWritesIt) {
  std::vector<LabelDependency> deps =
      label_dependencies("db:service_healthy:true,cache:service_started:false,old");
  ASSERT_EQ(deps.size(), 3u);
  EXPECT_EQ(deps[0].service, "db");
  EXPECT_EQ(deps[0].condition, "service_healthy");
  EXPECT_TRUE(deps[0].restart);
  EXPECT_TRUE(deps[0].required); // the label does not carry `required`
  EXPECT_EQ(deps[1].service, "cache");
  EXPECT_FALSE(deps[1].restart);
  EXPECT_TRUE(deps[1].required);
  EXPECT_EQ(deps[2].service, "old");
  EXPECT_EQ(deps[2].condition, "service_started");
  EXPECT_FALSE(deps[2].restart);
}

} // namespace
} // namespace aic::supervisor
