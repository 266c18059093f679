// The bundled AI stack (examples/ai-stack) with its offline override, under a real aicd and
// the real engine: it comes up healthy in dependency order, a prediction through nginx is the
// inference service's own answer from the model make-model wrote, prometheus has scraped the
// inference service and aicd, and `aic down -v` leaves nothing behind.
//
// Needs the images scripts/ai-stack-images.sh builds (scripts/test.sh runs it first); without
// them the test is skipped, or fails when AIC_E2E_REQUIRED=1.

#include "aicd_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

namespace aic::e2e {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

const char* const kImages[] = {"aic-example/inference:latest", "aic-offline/postgres:15",
                               "aic-offline/redis:7", "aic-offline/nginx:1.22",
                               "aic-offline/prometheus:2.42"};

// A port nothing listens on now (the kernel's pick; another process could take it before the
// stack does, which would fail `up` with a clear "port is already allocated").
int free_port() {
  auto r = run_shell("python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\", 0)); "
                     "print(s.getsockname()[1])'");
  try {
    return std::stoi(trim(r.out));
  } catch (const std::exception&) {
    ADD_FAILURE() << "no free port from python3: " << r.out;
    return 0;
  }
}

class AiStackTest : public AicdProjectTest {
protected:
  void SetUp() override {
    AicdProjectTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    std::string missing;
    for (const char* image : kImages) {
      if (inspect(image, "{{.Id}}").empty()) {
        missing += std::string(missing.empty() ? "" : ", ") + image;
      }
    }
    if (!missing.empty()) {
      const std::string why = "missing images " + missing + " (bash scripts/ai-stack-images.sh)";
      if (e2e_required()) {
        GTEST_FAIL() << why;
      }
      GTEST_SKIP() << why;
    }
    // The stack's files, copied: aic runs in the copy, so nothing is written to the sources.
    ASSERT_EQ(run_shell("cp -a " +
                        shell_quote(std::string(AIC_SOURCE_DIR) + "/examples/ai-stack/.") + " " +
                        shell_quote(dir_))
                  .exit_code,
              0);
    nginx_port_ = free_port();
    inference_port_ = free_port();
    prometheus_port_ = free_port();
    // Exported: aic_command starts with a `cd`, which a plain VAR=value prefix would go to.
    env_ = "export NGINX_PORT=" + std::to_string(nginx_port_) +
           " INFERENCE_PORT=" + std::to_string(inference_port_) +
           " PROMETHEUS_PORT=" + std::to_string(prometheus_port_) +
           " GRAFANA_PORT=" + std::to_string(free_port()) + "; ";
  }

  // `aic -p PROJECT -f docker-compose.yml -f docker-compose.offline.yml [-f MORE] ARGS…`
  // against this test's aicd, stderr included.
  ShellResult stack(const std::vector<std::string>& args, const std::string& more = "") {
    std::vector<std::string> all = {
        "-p", project_, "-f", "docker-compose.yml", "-f", "docker-compose.offline.yml"};
    if (!more.empty()) {
      all.insert(all.end(), {"-f", more});
    }
    all.insert(all.end(), args.begin(), args.end());
    const std::string socket_dir = "export AICD_SOCKET_DIR=" + shell_quote(aicd_->dir()) + "; ";
    return run_shell(env_ + socket_dir + aic_command(*aicd_, dir_, all) + " 2>&1");
  }

  static ShellResult curl(const std::string& args) {
    return run_shell("curl -sS --max-time 30 " + args + " 2>&1");
  }

  // Polls a PromQL query until its first sample's value satisfies `ok`, for up to `limit`.
  json prometheus_until(const std::string& query, const std::function<bool(double)>& ok,
                        std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json last;
    do {
      auto r = curl("-G http://127.0.0.1:" + std::to_string(prometheus_port_) +
                    "/api/v1/query --data-urlencode " + shell_quote("query=" + query));
      last = json::parse(r.out, nullptr, false);
      if (!last.is_discarded() && last.value("status", "") == "success") {
        for (const auto& sample : last["data"]["result"]) {
          if (ok(std::stod(sample["value"][1].get<std::string>()))) {
            return last;
          }
        }
      }
      std::this_thread::sleep_for(1s);
    } while (std::chrono::steady_clock::now() < deadline);
    ADD_FAILURE() << "prometheus: " << query << " never satisfied; last answer: " << last.dump();
    return last;
  }

  std::vector<std::string> project_objects(const std::string& kind) {
    auto r = run_shell(docker_cli() + " " + kind + " ls -q --filter " +
                       shell_quote("label=" + std::string(kProjectLabel) + "=" + project_));
    std::vector<std::string> ids;
    std::stringstream ss(r.out);
    for (std::string line; std::getline(ss, line);) {
      if (!trim(line).empty()) {
        ids.push_back(trim(line));
      }
    }
    return ids;
  }

  int nginx_port_ = 0;
  int inference_port_ = 0;
  int prometheus_port_ = 0;
  std::string env_;
};

TEST_F(AiStackTest, ServesPredictionsThroughNginxIsScrapedAndGoesAwayWithDownV) {
  auto up = stack({"up", "-d", "--wait", "--wait-timeout", "240", "--progress", "plain"});
  ASSERT_EQ(up.exit_code, 0) << up.out;
  // `model` has done its job by then: shown as Exited, as Compose does.
  EXPECT_NE(up.out.find("Container " + name("model") + "  Exited"), std::string::npos) << up.out;

  // Every long-running service healthy (or running, without a healthcheck); model has exited 0.
  for (const char* service : {"inference", "postgres", "redis", "nginx", "prometheus"}) {
    const auto state = inspect(name(service), "{{.State.Status}} {{if .State.Health}}"
                                              "{{.State.Health.Status}}{{end}}");
    EXPECT_TRUE(state == "running healthy" || state == "running ") << service << ": " << state;
  }
  EXPECT_EQ(inspect(name("model"), "{{.State.Status}} {{.State.ExitCode}}"), "exited 0");
  EXPECT_EQ(project_containers(project_).size(), 7U); // grafana is left out offline

  // A prediction through nginx, and the same request to the service's own port.
  std::string row;
  for (int i = 0; i < 64; ++i) {
    row += (i ? "," : "") + std::to_string((i % 9) / 4.0 - 1.0);
  }
  const std::string body = "{\"inputs\": [[" + row + "]]}";
  const std::string post = "-X POST -H 'Content-Type: application/json' --data " +
                           shell_quote(body) + " http://127.0.0.1:";
  auto via_nginx = curl(post + std::to_string(nginx_port_) + "/predict");
  auto direct = curl(post + std::to_string(inference_port_) + "/predict");
  const json a = json::parse(via_nginx.out, nullptr, false);
  const json b = json::parse(direct.out, nullptr, false);
  ASSERT_FALSE(a.is_discarded()) << via_nginx.out;
  ASSERT_FALSE(b.is_discarded()) << direct.out;
  ASSERT_EQ(a["outputs"].size(), 1U) << a.dump();
  EXPECT_EQ(a["outputs"], b["outputs"]);
  const auto outputs = a["outputs"][0].get<std::vector<double>>();
  ASSERT_EQ(outputs.size(), 10U);
  double total = 0;
  for (double v : outputs) {
    total += v;
  }
  EXPECT_NEAR(total, 1.0, 1e-4); // the demo model ends in a softmax
  const auto best = std::max_element(outputs.begin(), outputs.end()) - outputs.begin();
  EXPECT_EQ(a["predictions"][0].get<long>(), best);
  EXPECT_EQ(a["device"], "cpu");

  // The model it answered with is the file make-model wrote into the models volume.
  const json info = json::parse(
      curl("http://127.0.0.1:" + std::to_string(nginx_port_) + "/info").out, nullptr, false);
  ASSERT_FALSE(info.is_discarded());
  auto sum = run_shell(docker_cli() + " run --rm --entrypoint sha256sum -v " +
                       shell_quote(project_ + "_models:/models:ro") +
                       " aic-example/inference:latest /models/model.pt");
  ASSERT_EQ(sum.exit_code, 0) << sum.out;
  EXPECT_EQ(sum.out.substr(0, 64), info["model"]["sha256"].get<std::string>());
  EXPECT_EQ(a["model"], info["model"]["sha256"].get<std::string>().substr(0, 12));

  // prometheus scraped the inference service (which has answered predictions) and aicd.
  prometheus_until(
      "up{job=\"inference\"}", [](double v) { return v == 1; }, 90s);
  // Rows the model ran: only predictions count (health checks and scrapes do not).
  prometheus_until(
      "sum(aic_infer_batch_size_sum)", [](double v) { return v >= 2; }, 90s);
  prometheus_until(
      "up{job=\"aicd\"}", [](double v) { return v == 1; }, 90s);

  auto down = stack({"down", "-v", "--progress", "plain"});
  ASSERT_EQ(down.exit_code, 0) << down.out;
  EXPECT_TRUE(project_containers(project_).empty());
  EXPECT_TRUE(project_objects("network").empty());
  EXPECT_TRUE(project_objects("volume").empty());
}

// docker-compose.gpu.yml under an aicd with a fake two-card inventory: the two inference
// replicas (which Docker would both put on GPU 0) are created on different cards. Created, not
// started: the host engine has no NVIDIA driver (tests/e2e/gpu_test.cpp starts GPU containers
// on a private engine with a stub hook).
TEST_F(AiStackTest, TheGpuOverridePutsEachInferenceReplicaOnItsOwnCard) {
  const std::string uuid_a = "GPU-00000000-0000-0000-0000-0000000000a0";
  const std::string uuid_b = "GPU-00000000-0000-0000-0000-0000000000a1";
  write_file(dir_ + "/gpus.json", R"({"source": "fake", "devices": [)"
                                  R"({"index": 0, "uuid": ")" +
                                      uuid_a +
                                      R"(", "memory_total": "24GiB"},)"
                                      R"({"index": 1, "uuid": ")" +
                                      uuid_b + R"(", "memory_total": "24GiB"}]})");
  // First a machine without cards: refused before anything exists, each replica named.
  write_file(dir_ + "/no-gpus.json", R"({"source": "fake", "devices": []})");
  aicd_ = std::make_unique<AicdProcess>(
      std::vector<std::string>{"--gpu-inventory", dir_ + "/no-gpus.json"});
  ASSERT_TRUE(aicd_->start());
  auto refused = stack({"up", "--no-start", "--progress", "plain"}, "docker-compose.gpu.yml");
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.out.find("do not fit (2 problems)"), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("inference-1 requests a GPU but no GPU was found"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("inference-2 requests a GPU but no GPU was found"), std::string::npos)
      << refused.out;
  EXPECT_TRUE(project_containers(project_).empty());

  aicd_ = std::make_unique<AicdProcess>(
      std::vector<std::string>{"--gpu-inventory", dir_ + "/gpus.json"});
  ASSERT_TRUE(aicd_->start());

  auto up = stack({"up", "--no-start", "--progress", "plain"}, "docker-compose.gpu.yml");
  ASSERT_EQ(up.exit_code, 0) << up.out;
  std::set<std::string> cards;
  for (int n = 1; n <= 2; ++n) {
    const json requests = json::parse(
        inspect(name("inference", n), "{{json .HostConfig.DeviceRequests}}"), nullptr, false);
    ASSERT_TRUE(requests.is_array() && requests.size() == 1) << requests.dump();
    EXPECT_EQ(requests[0]["Driver"], "nvidia");
    EXPECT_EQ(requests[0]["Count"], 0);
    ASSERT_EQ(requests[0]["DeviceIDs"].size(), 1U) << requests.dump();
    cards.insert(requests[0]["DeviceIDs"][0].get<std::string>());
    EXPECT_EQ(inspect(name("inference", n), "{{index .Config.Labels \"io.aic.gpu.uuids\"}}"),
              requests[0]["DeviceIDs"][0].get<std::string>());
  }
  EXPECT_EQ(cards, (std::set<std::string>{uuid_a, uuid_b}));
  // No host port on the replicas: both would want 8000 (the override resets `ports`).
  for (int n = 1; n <= 2; ++n) {
    EXPECT_EQ(inspect(name("inference", n), "{{json .HostConfig.PortBindings}}"), "null");
  }

  auto down = stack({"down", "-v", "--progress", "plain"}, "docker-compose.gpu.yml");
  ASSERT_EQ(down.exit_code, 0) << down.out;
  EXPECT_TRUE(project_containers(project_).empty());
}

} // namespace
} // namespace aic::e2e
