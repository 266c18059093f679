#include "../compose/loader_test_support.hpp"
#include "plan/config_hash.hpp"
#include "plan/dependency_graph.hpp"
#include "plan/naming.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::plan {
namespace {

using ::testing::ElementsAre;

class PlanFixture : public compose::testing::ProjectFixture {
protected:
  compose::ProjectSpec spec() {
    Result<compose::LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return {};
    }
    loaded_ = *loaded;
    Result<compose::ProjectSpec> s = compose::to_project_spec(*loaded);
    if (!s) {
      ADD_FAILURE() << s.error().describe();
      return {};
    }
    return *s;
  }
  std::string hash_of(const std::string& service) {
    return service_config_hash(*loaded_.model.find("services")->find(service));
  }
  compose::LoadedProject loaded_;
};

TEST_F(PlanFixture, StartOrderPutsDependenciesFirst) {
  file("compose.yaml", R"(
name: p
services:
  web: {image: x, depends_on: [api]}
  api: {image: x, depends_on: [db, cache]}
  db: {image: x}
  cache: {image: x}
  lone: {image: x}
)");
  DependencyGraph g(spec());
  EXPECT_THAT(g.start_order(), ElementsAre("cache", "db", "api", "lone", "web"));
  EXPECT_THAT(g.dependencies_of("api"), ElementsAre("cache", "db"));
  EXPECT_THAT(g.dependents_of("db"), ElementsAre("api"));
  EXPECT_THAT(g.with_dependencies({"api"}), ElementsAre("api", "cache", "db"));
  EXPECT_THAT(g.with_dependencies({"lone", "nope"}), ElementsAre("lone"));
}

TEST_F(PlanFixture, OptionalDependencyOnADisabledServiceIsLeftOut) {
  file("compose.yaml", R"(
name: p
services:
  web:
    image: x
    depends_on:
      tools: {condition: service_started, required: false}
  tools: {image: x, profiles: [debug]}
)");
  DependencyGraph g(spec());
  EXPECT_THAT(g.services(), ElementsAre("web"));
  EXPECT_TRUE(g.dependencies_of("web").empty());
}

TEST_F(PlanFixture, ContainerLabelsAreComposes) {
  file("compose.yaml", R"(
name: p
services:
  web:
    image: x
    labels: {team: a, com.docker.compose.project: spoofed}
    depends_on:
      db: {condition: service_healthy, restart: true}
  db: {image: x}
)");
  compose::ProjectSpec s = spec();
  auto labels = container_labels(s, *s.service("web"), 2, "abc");
  EXPECT_EQ(labels["com.docker.compose.project"], "p");
  EXPECT_EQ(labels["com.docker.compose.service"], "web");
  EXPECT_EQ(labels["com.docker.compose.container-number"], "2");
  EXPECT_EQ(labels["com.docker.compose.oneoff"], "False");
  EXPECT_EQ(labels["com.docker.compose.config-hash"], "abc");
  EXPECT_EQ(labels["com.docker.compose.depends_on"], "db:service_healthy:true");
  EXPECT_EQ(labels["com.docker.compose.project.working_dir"], "/p");
  EXPECT_EQ(labels["com.docker.compose.project.config_files"], "/p/compose.yaml");
  EXPECT_EQ(labels["io.aic.managed-by"], "aic");
  EXPECT_EQ(labels["team"], "a");
  EXPECT_EQ(container_name(s, *s.service("web"), 2), "p-web-2");
}

TEST(LabelFilter, IsKeyEqualsValueAsTheEnginesQueriesTakeIt) {
  EXPECT_EQ(label_filter(label::kProject, "demo"), "com.docker.compose.project=demo");
  EXPECT_EQ(label_filter(label::kNumber, ""), "com.docker.compose.container-number=");
}

TEST_F(PlanFixture, ContainerNameOverridesTheDefault) {
  file("compose.yaml", "name: p\nservices:\n  web: {image: x, container_name: front}\n");
  compose::ProjectSpec s = spec();
  EXPECT_EQ(container_name(s, *s.service("web"), 1), "front");
}

TEST_F(PlanFixture, HashIgnoresScaleDependsOnAndKeyOrder) {
  file("compose.yaml", R"(
name: p
services:
  a: {image: x, environment: {A: "1", B: "2"}}
  b: {environment: {B: "2", A: "1"}, image: x, scale: 3, depends_on: [a], profiles: [p1]}
  c: {image: x, environment: {A: "1", B: "3"}}
)");
  options.profiles = {"p1"};
  spec();
  EXPECT_EQ(hash_of("a").size(), 64u);
  EXPECT_EQ(hash_of("a"), hash_of("b"));
  EXPECT_NE(hash_of("a"), hash_of("c"));
}

} // namespace
} // namespace aic::plan
