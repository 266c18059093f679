#include "plan/reconcile.hpp"

#include <gtest/gtest.h>

namespace aic::plan {
namespace {

ObservedContainer container(std::string service, int number, std::string hash,
                            std::string state = "running") {
  std::string name = "p-" + service + "-" + std::to_string(number);
  return {.id = "id-" + name,
          .name = name,
          .service = std::move(service),
          .number = number,
          .config_hash = std::move(hash),
          .state = std::move(state)};
}

ReconcileOptions known(std::set<std::string> services) {
  ReconcileOptions o;
  o.known_services = std::move(services);
  return o;
}

std::vector<std::pair<StepAction, int>> actions(const ServicePlan& plan) {
  std::vector<std::pair<StepAction, int>> out;
  for (const auto& s : plan.steps) {
    out.emplace_back(s.action, s.number);
  }
  return out;
}

using Steps = std::vector<std::pair<StepAction, int>>;

TEST(Reconcile, CreatesEveryReplicaOfANewService) {
  ProjectPlan plan = reconcile({{"web", 3, "h1"}}, {}, known({"web"}));
  ASSERT_EQ(plan.services.size(), 1u);
  EXPECT_EQ(actions(plan.services[0]),
            (Steps{{StepAction::Create, 1}, {StepAction::Create, 2}, {StepAction::Create, 3}}));
}

TEST(Reconcile, KeepsContainersWhoseHashMatches) {
  ProjectPlan plan =
      reconcile({{"web", 1, "h1"}}, {container("web", 1, "h1", "exited")}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Keep, 1}}));
  EXPECT_EQ(plan.services[0].steps[0].existing_id, "id-p-web-1");
}

TEST(Reconcile, RecreatesContainerWhenConfigHashDiffers) {
  ProjectPlan plan = reconcile({{"web", 1, "h2"}}, {container("web", 1, "h1")}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Recreate, 1}}));
  EXPECT_EQ(plan.services[0].steps[0].reason, "configuration changed");
}

TEST(Reconcile, RecreatesContainerWhenItsImageWasRebuiltOrPulled) {
  ObservedContainer c = container("web", 1, "h1");
  c.image_id = "sha256:old";
  ProjectPlan plan = reconcile({{"web", 1, "h1", "sha256:new"}}, {c}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Recreate, 1}}));
  EXPECT_EQ(plan.services[0].steps[0].reason, "image changed");
  // Unknown on either side: nothing to compare.
  plan = reconcile({{"web", 1, "h1", ""}}, {c}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Keep, 1}}));
  plan = reconcile({{"web", 1, "h1", "sha256:old"}}, {c}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Keep, 1}}));
}

TEST(Reconcile, NoRecreateKeepsAChangedContainer) {
  ReconcileOptions o = known({"web"});
  o.no_recreate = true;
  ProjectPlan plan = reconcile({{"web", 1, "h2"}}, {container("web", 1, "h1")}, o);
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Keep, 1}}));
}

TEST(Reconcile, ForceRecreateReplacesEvenUpToDateContainers) {
  ReconcileOptions o = known({"web"});
  o.force_recreate = true;
  ProjectPlan plan = reconcile({{"web", 1, "h1"}}, {container("web", 1, "h1")}, o);
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Recreate, 1}}));
}

TEST(Reconcile, ScalesDownFromTheHighestNumber) {
  ProjectPlan plan =
      reconcile({{"web", 1, "h1"}},
                {container("web", 3, "h1"), container("web", 1, "h1"), container("web", 2, "h1")},
                known({"web"}));
  EXPECT_EQ(actions(plan.services[0]),
            (Steps{{StepAction::Keep, 1}, {StepAction::Remove, 3}, {StepAction::Remove, 2}}));
}

TEST(Reconcile, ScalesUpIntoTheLowestFreeNumbers) {
  ProjectPlan plan = reconcile({{"web", 3, "h1"}}, {container("web", 2, "h1")}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]),
            (Steps{{StepAction::Create, 1}, {StepAction::Keep, 2}, {StepAction::Create, 3}}));
}

TEST(Reconcile, ScaleZeroRemovesEveryContainer) {
  ProjectPlan plan = reconcile({{"web", 0, "h1"}}, {container("web", 1, "h1")}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Remove, 1}}));
}

TEST(Reconcile, KeepsTheUpToDateRunningOneOfTwoContainersWithOneNumber) {
  ObservedContainer stale = container("web", 1, "old");
  ObservedContainer fresh = container("web", 1, "h1", "created");
  fresh.id = "fresh";
  fresh.name = "abc123_p-web-1";
  ProjectPlan plan = reconcile({{"web", 1, "h1"}}, {stale, fresh}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Keep, 1}, {StepAction::Remove, 1}}));
  EXPECT_EQ(plan.services[0].steps[0].existing_id, "fresh");
  EXPECT_EQ(plan.services[0].steps[1].existing_id, "id-p-web-1");
}

TEST(Reconcile, ReportsContainersOfUnknownServicesAsOrphans) {
  ProjectPlan plan = reconcile(
      {{"web", 1, "h1"}},
      {container("web", 1, "h1"), container("old", 1, "h"), container("disabled", 1, "h")},
      known({"web", "disabled"}));
  ASSERT_EQ(plan.orphans.size(), 1u);
  EXPECT_EQ(plan.orphans[0].name, "p-old-1");
  EXPECT_EQ(plan.services.size(), 1u);
}

TEST(Reconcile, IgnoresOneOffContainers) {
  ObservedContainer run = container("web", 0, "h1");
  run.oneoff = true;
  ProjectPlan plan = reconcile({{"web", 1, "h1"}}, {run}, known({"web"}));
  EXPECT_EQ(actions(plan.services[0]), (Steps{{StepAction::Create, 1}}));
  EXPECT_TRUE(plan.orphans.empty());
}

} // namespace
} // namespace aic::plan
