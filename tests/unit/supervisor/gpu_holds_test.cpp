#include "cli/commands/gpus_command.hpp"
#include "plan/naming.hpp"
#include "supervisor/gpu_holds.hpp"
#include "supervisor/gpu_scheduler.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::supervisor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

engine::ContainerInspect with_requests(std::vector<engine::DeviceRequest> requests) {
  engine::ContainerInspect c;
  c.config.device_requests = std::move(requests);
  return c;
}

TEST(GpuHolds, ForeignRequestsAreReadAsTheEngineHandsOutGpus) {
  // docker run --gpus 1: count 1, no driver, capability gpu.
  EXPECT_THAT(foreign_gpu_requests(with_requests({{.count = 1, .capabilities = {{"gpu"}}}})),
              ElementsAre(ForeignGpuRequest{1, {}}));
  // --gpus all, and pinned ids through the nvidia driver.
  EXPECT_THAT(foreign_gpu_requests(with_requests({{.driver = "nvidia", .count = -1}})),
              ElementsAre(ForeignGpuRequest{-1, {}}));
  EXPECT_THAT(
      foreign_gpu_requests(with_requests({{.driver = "nvidia", .device_ids = {"1", "GPU-a3"}}})),
      ElementsAre(ForeignGpuRequest{0, {"1", "GPU-a3"}}));
  // CDI names of NVIDIA GPUs; other CDI kinds and other drivers hold no GPU.
  EXPECT_THAT(foreign_gpu_requests(with_requests(
                  {{.driver = "cdi", .device_ids = {"nvidia.com/gpu=2", "vendor.com/x=1"}}})),
              ElementsAre(ForeignGpuRequest{0, {"2"}}));
  EXPECT_THAT(foreign_gpu_requests(
                  with_requests({{.driver = "cdi", .device_ids = {"nvidia.com/gpu=all"}}})),
              ElementsAre(ForeignGpuRequest{-1, {}}));
  EXPECT_THAT(foreign_gpu_requests(with_requests({{.driver = "amd", .count = 1}})), IsEmpty());
  EXPECT_THAT(foreign_gpu_requests(with_requests({})), IsEmpty());
}

TEST(GpuHolds, TheNvidiaRuntimeHandsOutWhatNvidiaVisibleDevicesSays) {
  engine::ContainerInspect c;
  c.config.runtime = "nvidia";
  c.config.env = {"PATH=/bin", "NVIDIA_VISIBLE_DEVICES=all"};
  EXPECT_THAT(foreign_gpu_requests(c), ElementsAre(ForeignGpuRequest{-1, {}}));
  c.config.env.push_back("NVIDIA_VISIBLE_DEVICES=0, 2"); // the last one wins
  EXPECT_THAT(foreign_gpu_requests(c), ElementsAre(ForeignGpuRequest{0, {"0", "2"}}));
  c.config.env = {"NVIDIA_VISIBLE_DEVICES=void"};
  EXPECT_THAT(foreign_gpu_requests(c), IsEmpty());
  // Without the nvidia runtime the variable is just a variable.
  c.config.runtime = "";
  c.config.env = {"NVIDIA_VISIBLE_DEVICES=all"};
  EXPECT_THAT(foreign_gpu_requests(c), IsEmpty());
}

TEST(GpuHolds, OnlyACreateThatAsksForNoGpuIsLabelledGpuFree) {
  const std::string none(plan::label::kGpuNone);
  engine::ContainerCreate plain;
  plain.env = {"NVIDIA_VISIBLE_DEVICES=all"}; // without the nvidia runtime, just a variable
  label_gpu_free(plain);
  EXPECT_EQ(plain.labels[none], "true");

  engine::ContainerCreate placed;
  placed.device_requests = {{.driver = "nvidia", .device_ids = {"GPU-a1"}}};
  label_gpu_free(placed);
  EXPECT_EQ(placed.labels.count(none), 0u);

  // A service's own label of that name does not hide what it asks for.
  engine::ContainerCreate runtime;
  runtime.runtime = "nvidia";
  runtime.env = {"NVIDIA_VISIBLE_DEVICES=0"};
  runtime.labels[none] = "true";
  label_gpu_free(runtime);
  EXPECT_EQ(runtime.labels.count(none), 0u);

  // Under the nvidia runtime a CUDA image's own NVIDIA_VISIBLE_DEVICES=all would count, unless
  // the request sets the variable itself.
  engine::ContainerCreate image_env;
  image_env.runtime = "nvidia";
  label_gpu_free(image_env);
  EXPECT_EQ(image_env.labels.count(none), 0u);
  image_env.env = {"NVIDIA_VISIBLE_DEVICES=none"};
  label_gpu_free(image_env);
  EXPECT_EQ(image_env.labels[none], "true");

  engine::ContainerCreate cdi;
  cdi.device_requests = {{.driver = "cdi", .device_ids = {"nvidia.com/gpu=all"}}};
  label_gpu_free(cdi);
  EXPECT_EQ(cdi.labels.count(none), 0u);
}

TEST(GpuHolds, LabelsRebuildTheHoldsOfAicsContainers) {
  std::map<std::string, std::string> labels = {
      {std::string(plan::label::kGpuUuids), "GPU-a0,GPU-a2"},
      {std::string(plan::label::kGpuMode), "shared"},
      {std::string(plan::label::kGpuMemory), std::to_string(8 * kGiB)},
      {std::string(plan::label::kGpuRequest), "abc"}};
  std::optional<LabelledHold> hold = labelled_hold(labels);
  ASSERT_TRUE(hold);
  EXPECT_THAT(hold->uuids, ElementsAre("GPU-a0", "GPU-a2"));
  EXPECT_EQ(hold->mode, gpu::Mode::Shared);
  EXPECT_EQ(hold->memory, 8 * kGiB);
  EXPECT_EQ(hold->request, "abc");
  EXPECT_FALSE(labelled_hold({{"com.docker.compose.project", "p"}}));

  gpu::Ledger ledger;
  add_labelled(ledger, "p-a-1", *hold);
  add_labelled(ledger, "p-b-1", LabelledHold{{"GPU-a0"}, gpu::Mode::Shared, kGiB, ""});
  EXPECT_EQ(ledger["GPU-a0"].size(), 2U);
  release(ledger, "p-a-1");
  EXPECT_THAT(ledger["GPU-a0"], ElementsAre(gpu::Hold{"p-b-1", false, gpu::Mode::Shared, kGiB}));
  EXPECT_EQ(ledger.count("GPU-a2"), 0U);
}

GpuSnapshot two_cards() {
  GpuSnapshot s;
  s.inventory.source = "fake";
  s.inventory.devices = {{"GPU-a1", 1, "Fake L4", 24 * kGiB, false, true, kGiB, 10},
                         {"GPU-a0", 0, "Fake L4", 24 * kGiB}};
  s.ledger["GPU-a0"].push_back({"p-a-1", false, gpu::Mode::Exclusive, 0});
  s.ledger["GPU-a1"].push_back({"jupyter", true, gpu::Mode::Shared, 0});
  s.ledger["GPU-gone"].push_back({"p-old-1", false, gpu::Mode::Exclusive, 0});
  s.holders["p-a-1"] = proto::GpuHolder{
      .container = "p-a-1", .project = "p", .service = "a", .number = 1, .state = "running"};
  return s;
}

TEST(GpuHolds, StatusListsDevicesInIndexOrderWithTheirHolders) {
  proto::GpuStatus status = gpu_status(two_cards(), gpu::Policy::Binpack);
  EXPECT_EQ(status.source, "fake");
  EXPECT_EQ(status.policy, "binpack");
  ASSERT_EQ(status.devices.size(), 2U);
  EXPECT_EQ(status.devices[0].uuid, "GPU-a0");
  ASSERT_EQ(status.devices[0].holders.size(), 1U);
  EXPECT_EQ(status.devices[0].holders[0].project, "p");
  EXPECT_EQ(status.devices[0].holders[0].service, "a");
  EXPECT_EQ(status.devices[0].holders[0].mode, "exclusive");
  EXPECT_TRUE(status.devices[1].holders[0].foreign);
  EXPECT_EQ(status.devices[1].utilization, 10);
  // A hold on a card that vanished is still reported.
  ASSERT_EQ(status.warnings.size(), 1U);
  EXPECT_THAT(status.warnings[0], HasSubstr("p-old-1 holds GPU-gone"));
}

TEST(GpuHolds, TheGpusTableSaysWhereTheInventoryComesFromAndWhoHoldsEachCard) {
  std::string table = cli::render_gpus_table(gpu_status(two_cards(), gpu::Policy::Spread));
  EXPECT_THAT(table, HasSubstr("source: fake (an inventory file"));
  EXPECT_THAT(table, HasSubstr("HELD BY"));
  EXPECT_THAT(table, HasSubstr("p-a-1 (exclusive)"));
  EXPECT_THAT(table, HasSubstr("jupyter (shared, not aic's)"));
  EXPECT_THAT(table, HasSubstr("1GiB / 24GiB"));
  proto::GpuStatus none{.source = "none", .detail = "NVML: not found; nvidia-smi: not found"};
  EXPECT_THAT(cli::render_gpus_table(none), HasSubstr("no GPUs: NVML: not found"));
}

} // namespace
} // namespace aic::supervisor
