#include "../compose/loader_test_support.hpp"
#include "plan/container_config.hpp"
#include "plan/gpu_request.hpp"
#include "plan/naming.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::plan {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

class GpuRequest : public compose::testing::ProjectFixture {
protected:
  /// The service's reservation; fails the test when reading it fails.
  std::optional<ServiceGpu> gpu_of(const std::string& yaml, const std::string& service = "web") {
    Result<std::optional<ServiceGpu>> out = read(yaml, service);
    if (!out) {
      ADD_FAILURE() << out.error().describe();
      return std::nullopt;
    }
    return *out;
  }

  Result<std::optional<ServiceGpu>> read(const std::string& yaml,
                                         const std::string& service = "web") {
    file("compose.yaml", yaml);
    Result<compose::LoadedProject> loaded = load();
    if (!loaded) {
      return unexpected(loaded.error());
    }
    model_ = loaded->model;
    ContainerContext ctx;
    ctx.project = "p";
    ctx.service = service;
    ctx.container_name = "p-" + service + "-1";
    ctx.network_names = {{"default", "p_default"}};
    Result<engine::ContainerCreate> c = container_create(model_, service, ctx);
    if (!c) {
      return unexpected(c.error());
    }
    create = *c;
    return service_gpu(model_, service, create, gpu::Policy::Spread);
  }

  compose::Node model_;
  engine::ContainerCreate create;
};

constexpr const char* kCountOne = R"(services:
  web:
    image: x
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
)";

TEST_F(GpuRequest, ServicesWithoutGpusAskForNone) {
  EXPECT_FALSE(gpu_of("services:\n  web: {image: x}\n").has_value());
  // A CDI device or another driver's request is passed through, not placed.
  EXPECT_FALSE(gpu_of("services:\n  web:\n    image: x\n    devices: [\"vendor.com/dev=0\"]\n"));
}

TEST_F(GpuRequest, CountOneIsAnExclusiveSpreadRequest) {
  std::optional<ServiceGpu> g = gpu_of(kCountOne);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->request.count, 1);
  EXPECT_EQ(g->request.mode, gpu::Mode::Exclusive);
  EXPECT_EQ(g->request.policy, gpu::Policy::Spread);
  EXPECT_EQ(g->request.driver, "nvidia");
  EXPECT_THAT(g->request.capabilities, ElementsAre("gpu"));
  EXPECT_EQ(g->request_index, 0U);
}

TEST_F(GpuRequest, GpusAllIsSharedUnlessMadeExclusive) {
  std::optional<ServiceGpu> g = gpu_of("services:\n  web: {image: x, gpus: all}\n");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->request.count, -1);
  EXPECT_EQ(g->request.mode, gpu::Mode::Shared);
  g = gpu_of("services:\n  web: {image: x, gpus: all, x-aic: {gpu: {sharing: exclusive}}}\n");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->request.mode, gpu::Mode::Exclusive);
}

TEST_F(GpuRequest, ServiceSettingsOverrideTheProjectDefaults) {
  std::optional<ServiceGpu> g =
      gpu_of(std::string(kCountOne) +
             "    x-aic: {gpu: {memory: 8GiB, sharing: shared}}\n"
             "x-aic: {gpu: {policy: binpack, optional: true, memory: 1GiB, headroom: 512MiB}}\n");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->request.memory, 8 * kGiB);
  EXPECT_EQ(g->request.mode, gpu::Mode::Shared);
  EXPECT_EQ(g->request.policy, gpu::Policy::Binpack);
  EXPECT_TRUE(g->request.optional);
  Result<ProjectGpuSettings> project = project_gpu_settings(model_);
  ASSERT_TRUE(project);
  EXPECT_EQ(project->headroom, 512ULL << 20);
  EXPECT_EQ(project->policy, gpu::Policy::Binpack);
}

TEST_F(GpuRequest, BadSettingsNameTheKey) {
  Result<std::optional<ServiceGpu>> r =
      read(std::string(kCountOne) +
           "    x-aic: {gpu: {memory: lots, sharing: maybe, policy: random, optional: 2, "
           "headroom: 1GiB}}\n");
  ASSERT_FALSE(r);
  std::string all;
  for (const auto& d : r.error().details()) {
    all += d + "\n";
  }
  EXPECT_THAT(all, HasSubstr("services.web.x-aic.gpu.memory: must be a size"));
  EXPECT_THAT(all, HasSubstr("services.web.x-aic.gpu.sharing: must be exclusive or shared"));
  EXPECT_THAT(all, HasSubstr("services.web.x-aic.gpu.policy: must be spread or binpack"));
  EXPECT_THAT(all, HasSubstr("services.web.x-aic.gpu.optional: must be true or false"));
  // headroom is project-wide only.
  EXPECT_THAT(all, HasSubstr("services.web.x-aic.gpu.headroom: unknown key"));
  EXPECT_THAT(all, HasSubstr("compose.yaml:"));
}

TEST_F(GpuRequest, TwoGpuRequestsInOneServiceAreRefused) {
  Result<std::optional<ServiceGpu>> r = read(R"(services:
  web:
    image: x
    gpus: [{count: 1}]
    deploy:
      resources:
        reservations:
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
)");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().describe(), HasSubstr("more than one GPU device request"));
}

TEST_F(GpuRequest, TheHashFollowsTheRequestNotThePlacement) {
  std::optional<ServiceGpu> one = gpu_of(kCountOne);
  std::optional<ServiceGpu> same = gpu_of(kCountOne);
  std::optional<ServiceGpu> more =
      gpu_of(std::string(kCountOne) + "    x-aic: {gpu: {memory: 8GiB}}\n");
  ASSERT_TRUE(one && same && more);
  EXPECT_EQ(one->hash, same->hash);
  EXPECT_NE(one->hash, more->hash);
}

TEST_F(GpuRequest, APlacementBecomesExplicitUuidsWithCountZeroAndLabels) {
  std::optional<ServiceGpu> g = gpu_of(kCountOne);
  ASSERT_TRUE(g);
  gpu::Placement placed{"web", 1, {"GPU-a1"}, false};
  apply_gpu_placement(create, *g, placed);
  ASSERT_EQ(create.device_requests.size(), 1U);
  EXPECT_EQ(create.device_requests[0].driver, "nvidia");
  EXPECT_EQ(create.device_requests[0].count, 0);
  EXPECT_THAT(create.device_requests[0].device_ids, ElementsAre("GPU-a1"));
  EXPECT_EQ(label_value(create.labels, label::kGpuUuids), "GPU-a1");
  EXPECT_EQ(label_value(create.labels, label::kGpuMode), "exclusive");
  EXPECT_EQ(label_value(create.labels, label::kGpuRequest), g->hash);
  EXPECT_THAT(create.env, Contains("AIC_GPU_UUIDS=GPU-a1"));
}

TEST_F(GpuRequest, AnOptionalRequestOnTheCpuDropsTheDeviceRequest) {
  std::optional<ServiceGpu> g =
      gpu_of(std::string(kCountOne) + "    x-aic: {gpu: {optional: true}}\n");
  ASSERT_TRUE(g);
  apply_gpu_placement(create, *g, gpu::Placement{"web", 1, {}, true});
  EXPECT_TRUE(create.device_requests.empty());
  EXPECT_THAT(create.env, Contains("AIC_GPU=none"));
  EXPECT_EQ(label_value(create.labels, label::kGpuUuids), "");
}

} // namespace
} // namespace aic::plan
