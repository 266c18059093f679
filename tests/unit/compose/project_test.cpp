#include "compose/project.hpp"
#include "loader_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::compose {
namespace {

using ::testing::ElementsAre;

class ProjectSpecTest : public testing::ProjectFixture {
protected:
  ProjectSpec spec() {
    Result<LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return {};
    }
    Result<ProjectSpec> s = to_project_spec(*loaded);
    if (!s) {
      ADD_FAILURE() << s.error().describe();
      return {};
    }
    return *s;
  }
};

TEST_F(ProjectSpecTest, TypesTheFieldsAicdActsOn) {
  file("compose.yaml", R"(
name: demo
services:
  api:
    build: ./api
    command: serve --port 80
    environment: [A=1, B]
    ports: ["127.0.0.1:8080:80/udp"]
    volumes: ["./models:/models:ro", "data:/data"]
    depends_on:
      db: {condition: service_healthy, restart: true}
    healthcheck:
      test: curl -f http://localhost/health
      interval: 1m30s
      retries: 4
    restart: on-failure:5
    scale: 2
    stop_grace_period: 20s
    networks:
      back: {aliases: [api-internal]}
  db:
    image: postgres
    healthcheck: {test: [CMD, pg_isready]}
networks:
  back: {}
volumes:
  data: {external: true}
)");
  ProjectSpec p = spec();
  ASSERT_EQ(p.services.size(), 2u);
  const ServiceSpec* api = p.service("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->image, "demo-api");
  ASSERT_TRUE(api->build);
  EXPECT_EQ(api->build->context, "/p/api");
  EXPECT_EQ(*api->command, (std::vector<std::string>{"serve", "--port", "80"}));
  EXPECT_EQ(api->environment.at("A"), "1");
  EXPECT_FALSE(api->environment.at("B").has_value());
  ASSERT_EQ(api->ports.size(), 1u);
  EXPECT_EQ(api->ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(api->ports[0].target, 80);
  EXPECT_EQ(api->ports[0].published, "8080");
  EXPECT_EQ(api->ports[0].protocol, "udp");
  ASSERT_EQ(api->mounts.size(), 2u);
  EXPECT_EQ(api->mounts[0].type, "bind");
  EXPECT_TRUE(api->mounts[0].read_only);
  EXPECT_TRUE(api->mounts[0].create_host_path);
  EXPECT_EQ(api->mounts[1].type, "volume");
  ASSERT_EQ(api->depends_on.size(), 1u);
  EXPECT_EQ(api->depends_on[0].condition, DependencyCondition::Healthy);
  EXPECT_TRUE(api->depends_on[0].restart);
  ASSERT_TRUE(api->healthcheck);
  EXPECT_EQ(api->healthcheck->test,
            (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/health"}));
  EXPECT_EQ(api->healthcheck->interval_ns, 90'000'000'000LL);
  EXPECT_EQ(api->healthcheck->retries, 4);
  EXPECT_EQ(api->restart.name, "on-failure");
  EXPECT_EQ(api->restart.max_retries, 5);
  EXPECT_EQ(api->replicas, 2);
  EXPECT_EQ(api->stop_grace_period_ns, 20'000'000'000LL);
  ASSERT_EQ(api->networks.size(), 1u);
  EXPECT_THAT(api->networks[0].aliases, ElementsAre("api-internal"));
  EXPECT_EQ(p.networks[0].name, "demo_back");
  EXPECT_TRUE(p.volumes[0].external);
  EXPECT_EQ(p.volumes[0].name, "data");
}

TEST_F(ProjectSpecTest, CollectsGpuRequestsFromDeployAndGpus) {
  file("compose.yaml", R"(
services:
  train:
    image: t
    gpus: all
  infer:
    image: i
    deploy:
      replicas: 3
      resources:
        reservations:
          devices:
            - {driver: nvidia, count: 1, capabilities: [gpu]}
            - {driver: nvidia, device_ids: ["GPU-1"], capabilities: [gpu, utility]}
      restart_policy: {condition: any, max_attempts: 7}
)");
  ProjectSpec p = spec();
  const ServiceSpec* train = p.service("train");
  ASSERT_EQ(train->devices.size(), 1u);
  EXPECT_EQ(train->devices[0].count, -1);
  EXPECT_THAT(train->devices[0].capabilities, ElementsAre("gpu"));
  const ServiceSpec* infer = p.service("infer");
  EXPECT_EQ(infer->replicas, 3);
  ASSERT_EQ(infer->devices.size(), 2u);
  EXPECT_EQ(infer->devices[0].count, 1);
  EXPECT_EQ(infer->devices[1].count, 0);
  EXPECT_THAT(infer->devices[1].device_ids, ElementsAre("GPU-1"));
  EXPECT_EQ(infer->restart.name, "always");
  EXPECT_EQ(infer->restart.max_retries, 7);
}

TEST_F(ProjectSpecTest, ServicesAreSortedByName) {
  file("compose.yaml", "services:\n  z: {image: z}\n  a: {image: a}\n  m: {image: m}\n");
  ProjectSpec p = spec();
  std::vector<std::string> names;
  for (const auto& s : p.services) {
    names.push_back(s.name);
  }
  EXPECT_THAT(names, ElementsAre("a", "m", "z"));
}

TEST_F(ProjectSpecTest, DeployRestartPolicyReplacesRestartAndDisableMeansNone) {
  file("compose.yaml", R"(
services:
  a:
    image: a
    restart: on-failure:3
    deploy: {restart_policy: {condition: unless-stopped}}
    healthcheck: {test: [CMD, x], disable: true}
)");
  ProjectSpec p = spec();
  const ServiceSpec* a = p.service("a");
  EXPECT_EQ(a->restart.name, "unless-stopped");
  EXPECT_EQ(a->restart.max_retries, 0);
  EXPECT_EQ(a->healthcheck->test, std::vector<std::string>{"NONE"});
}

} // namespace
} // namespace aic::compose
