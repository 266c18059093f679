// GPU scheduling against the real engine without a GPU (docs/gpus.md): a private dockerd in its
// own network namespace with a stub nvidia-container-runtime-hook first on its PATH registers
// the engine's nvidia device driver, so GPU containers really start, and the engine sets
// NVIDIA_VISIBLE_DEVICES in each from the DeviceRequest aicd sent. aicd reads a fake 4-GPU
// inventory file.

#include "aicd_fixture.hpp"
#include "netns_engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;

const std::string kGpuService = "    image: aic-test/busybox:latest\n"
                                "    stop_signal: SIGKILL\n"
                                "    command: [sleep, '3600']\n"
                                "    deploy:\n"
                                "      resources:\n"
                                "        reservations:\n"
                                "          devices: [{driver: nvidia, count: 1, capabilities: "
                                "[gpu]}]\n";

std::string uuid(int i) {
  return "GPU-00000000-0000-0000-0000-0000000000a" + std::to_string(i);
}

class GpuSchedulingTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0 && !e2e_required()) {
      GTEST_SKIP() << "a private engine needs root";
    }
    AIC_E2E_REQUIRE_ENGINE();
    dir_ = make_temp_dir("aic-e2e-gpu");
    const std::string hooks = dir_ + "/hooks";
    ASSERT_EQ(::mkdir(hooks.c_str(), 0755), 0);
    write_file(hooks + "/nvidia-container-runtime-hook", "#!/bin/sh\ncat >/dev/null\nexit 0\n");
    ASSERT_EQ(::chmod((hooks + "/nvidia-container-runtime-hook").c_str(), 0755), 0);
    NetnsEngineOptions options;
    options.path_prefix = hooks;
    engine_ = std::make_unique<NetnsEngine>(options);
    ASSERT_TRUE(engine_->start());
    ASSERT_TRUE(engine_->load_image());
    nlohmann::json devices = nlohmann::json::array();
    for (int i = 0; i < 4; ++i) {
      devices.push_back(
          {{"index", i}, {"uuid", uuid(i)}, {"name", "Fake L4"}, {"memory_total", "24GiB"}});
    }
    write_file(dir_ + "/gpus.json",
               nlohmann::json{{"source", "fake"}, {"devices", devices}}.dump(2));
    start_aicd();
    project_ = unique_project(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }

  void TearDown() override {
    if (aicd_) {
      aicd_->stop();
      if (HasFailure()) {
        std::cerr << "aicd log:\n" << aicd_->log();
      }
    }
    aicd_.reset();
    engine_.reset();
    if (!dir_.empty()) {
      remove_dir(dir_);
    }
  }

  void start_aicd() {
    aicd_ = std::make_unique<AicdProcess>(std::vector<std::string>{
        "--docker-host", engine_->docker_host(), "--gpu-inventory", dir_ + "/gpus.json"});
    ASSERT_TRUE(aicd_->start()) << aicd_->log();
  }

  void compose(const std::string& services) {
    write_file(dir_ + "/compose.yaml", "name: " + project_ + "\nservices:\n" + services);
  }

  AicResult aic(const std::vector<std::string>& args) { return run_aic(*aicd_, dir_, args); }

  /// NVIDIA_VISIBLE_DEVICES as the engine set it for the container's main process.
  std::string visible(const std::string& container) {
    return trim(run_shell(engine_->docker() + " exec " + container +
                          " sh -c \"tr '\\\\0' '\\\\n' </proc/1/environ | grep "
                          "'^NVIDIA_VISIBLE_DEVICES=' | cut -d= -f2\"")
                    .out);
  }

  std::string containers_named(const std::string& name) {
    return trim(run_shell(engine_->docker() + " ps -aq --filter name=" + name).out);
  }

  /// `aic gpus --format json`: holder containers by device UUID.
  std::map<std::string, std::vector<std::string>> holders() {
    AicResult gpus = aic({"gpus", "--format", "json"});
    EXPECT_EQ(gpus.exit_code, 0) << gpus.err;
    std::map<std::string, std::vector<std::string>> out;
    nlohmann::json j = nlohmann::json::parse(gpus.out, nullptr, false);
    EXPECT_EQ(j.value("source", ""), "fake") << gpus.out;
    for (const auto& d : j.value("devices", nlohmann::json::array())) {
      std::vector<std::string>& list = out[d.value("uuid", "")];
      for (const auto& h : d.value("holders", nlohmann::json::array())) {
        list.push_back(h.value("container", ""));
      }
    }
    return out;
  }

  std::unique_ptr<NetnsEngine> engine_;
  std::unique_ptr<AicdProcess> aicd_;
  std::string dir_;
  std::string project_;
};

TEST_F(GpuSchedulingTest, FourCountOneServicesGetFourCardsAndAFifthIsRefused) {
  // Five at once do not fit: nothing at all is created, not even the four that would.
  compose("  a:\n" + kGpuService + "  b:\n" + kGpuService + "  c:\n" + kGpuService + "  d:\n" +
          kGpuService + "  e:\n" + kGpuService);
  AicResult five = aic({"up", "-d"});
  EXPECT_NE(five.exit_code, 0);
  EXPECT_THAT(five.err, HasSubstr("nothing was created"));
  EXPECT_EQ(trim(run_shell(engine_->docker() +
                           " ps -aq --filter label=com.docker.compose.project=" + project_)
                     .out),
            "");

  compose("  a:\n" + kGpuService + "  b:\n" + kGpuService + "  c:\n" + kGpuService + "  d:\n" +
          kGpuService);
  AicResult up = aic({"up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;

  std::set<std::string> seen;
  std::map<std::string, std::vector<std::string>> held = holders();
  for (const std::string s : {"a", "b", "c", "d"}) {
    const std::string container = project_ + "-" + s + "-1";
    std::string devices = visible(container);
    EXPECT_THAT(devices, ::testing::StartsWith("GPU-00000000-0000-0000-0000-0000000000a"))
        << container;
    seen.insert(devices);
    EXPECT_THAT(held[devices], ::testing::ElementsAre(container)) << "aic gpus on " << devices;
  }
  EXPECT_EQ(seen.size(), 4U) << "every count: 1 service on its own card (Compose: all on 0)";
  AicResult table = aic({"gpus"});
  EXPECT_THAT(table.out, HasSubstr("source: fake"));
  EXPECT_THAT(table.out, HasSubstr(project_ + "-a-1 (exclusive)"));
  // One "allocated" event per container, naming its card.
  std::set<std::string> allocated;
  for (const auto& e : project_events(*aicd_, project_, "gpu")) {
    if (e.value("action", "") == "allocated") {
      allocated.insert(e["attributes"].value("uuids", ""));
    }
  }
  EXPECT_EQ(allocated, seen);
  // The gauges: every card held once.
  ShellResult metrics = run_shell("curl -sf --max-time 5 --unix-socket " +
                                  shell_quote(aicd_->socket_path()) + " http://aicd/metrics");
  EXPECT_THAT(metrics.out, HasSubstr("aic_gpu_info{source=\"fake\",policy=\"spread\"} 1"));
  EXPECT_THAT(metrics.out,
              HasSubstr("aic_gpu_holders{gpu=\"3\",uuid=\"" + uuid(3) + "\",name=\"Fake L4\"} 1"));

  // A fifth does not fit: the up fails naming it, and nothing of it is created.
  compose("  a:\n" + kGpuService + "  b:\n" + kGpuService + "  c:\n" + kGpuService + "  d:\n" +
          kGpuService + "  e:\n" + kGpuService);
  AicResult fifth = aic({"up", "-d"});
  EXPECT_NE(fifth.exit_code, 0);
  EXPECT_THAT(fifth.err, HasSubstr("cannot place e-1"));
  EXPECT_THAT(fifth.err, HasSubstr("0 of 4 eligible"));
  EXPECT_THAT(fifth.err, HasSubstr("held by " + project_ + "-a-1"));
  EXPECT_EQ(containers_named(project_ + "-e-"), "");
  std::map<std::string, std::vector<std::string>> after = holders();
  EXPECT_EQ(after, held) << "the failed up changed nothing";
  // A one-off container of a GPU service is placed like a replica: no card is left.
  AicResult one_off = aic({"run", "--rm", "--no-deps", "a", "true"});
  EXPECT_NE(one_off.exit_code, 0);
  EXPECT_THAT(one_off.err, HasSubstr("0 of 4 eligible"));

  AicResult down = aic({"down", "-v"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  for (const auto& [device, list] : holders()) {
    EXPECT_TRUE(list.empty()) << device << " still held after down";
  }
  int released = 0;
  for (const auto& e : project_events(*aicd_, project_, "gpu")) {
    released += e.value("action", "") == "released" ? 1 : 0;
  }
  EXPECT_EQ(released, 4);
}

TEST_F(GpuSchedulingTest,
       ReplicasStayOnTheirCardsAcrossScalingAndAnAicdRestartAvoidingForeignOnes) {
  // A container started with `docker run --gpus 1` holds GPU 0, as the engine hands it out.
  ShellResult foreign = run_shell(engine_->docker() + " run -d --name " + project_ +
                                  "-foreign --gpus 1 aic-test/busybox:latest sleep 3600");
  ASSERT_EQ(foreign.exit_code, 0) << foreign.out;
  compose("  w:\n" + kGpuService);
  AicResult up = aic({"up", "-d", "--scale", "w=2"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  const std::string w1 = visible(project_ + "-w-1");
  const std::string w2 = visible(project_ + "-w-2");
  EXPECT_EQ(w1, uuid(1)) << "GPU 0 is the foreign container's";
  EXPECT_EQ(w2, uuid(2));

  // aicd restarts: the ledger comes back from the labels; scaling up keeps w-1 and w-2.
  aicd_->stop();
  start_aicd();
  up = aic({"up", "-d", "--scale", "w=3"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_EQ(visible(project_ + "-w-1"), w1);
  EXPECT_EQ(visible(project_ + "-w-2"), w2);
  EXPECT_EQ(visible(project_ + "-w-3"), uuid(3));
  std::map<std::string, std::vector<std::string>> held = holders();
  EXPECT_THAT(held[uuid(0)], ::testing::ElementsAre(project_ + "-foreign"));

  // An edit recreates every replica; each keeps its card.
  compose("  w:\n" + kGpuService + "    environment: [EDITED=1]\n");
  up = aic({"up", "-d", "--scale", "w=3"});
  ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
  EXPECT_THAT(up.err + up.out, HasSubstr("Recreate"));
  EXPECT_EQ(visible(project_ + "-w-1"), w1);
  EXPECT_EQ(visible(project_ + "-w-2"), w2);
  EXPECT_EQ(visible(project_ + "-w-3"), uuid(3));

  // A fourth replica finds no free card.
  AicResult four = aic({"up", "-d", "--scale", "w=4"});
  EXPECT_NE(four.exit_code, 0);
  EXPECT_THAT(four.err, HasSubstr("cannot place w-4"));
  EXPECT_THAT(four.err, HasSubstr("used by non-aic container \"" + project_ + "-foreign\""));
  EXPECT_EQ(containers_named(project_ + "-w-4"), "");

  // Scaling down frees the highest numbers' cards.
  AicResult down = aic({"up", "-d", "--scale", "w=1"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  held = holders();
  EXPECT_THAT(held[uuid(1)], ::testing::ElementsAre(project_ + "-w-1"));
  EXPECT_TRUE(held[uuid(2)].empty());
  EXPECT_TRUE(held[uuid(3)].empty());
  // A one-off container takes the next free card, not GPU 0.
  AicResult run = aic({"run", "--rm", "w", "sh", "-c", "echo $NVIDIA_VISIBLE_DEVICES"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(trim(run.out), uuid(2));

  // The GPU moves from w to a new service v in one edit: w's card is free for v.
  compose("  v:\n" + kGpuService);
  AicResult moved = aic({"up", "-d", "--remove-orphans"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(visible(project_ + "-v-1"), uuid(1));
  EXPECT_EQ(aic({"down", "-v"}).exit_code, 0);
}

} // namespace
} // namespace aic::e2e
