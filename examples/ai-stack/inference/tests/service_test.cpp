#include "service.hpp"
#include "sum_and_first.hpp"

#include <chrono>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace inference {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

using testing::sum_and_first;

ServingInfo test_info() {
  ServingInfo info;
  info.model_name = "DemoMlp";
  info.model_path = "/models/model.pt";
  info.model_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  info.input_width = 3;
  info.output_width = 2;
  info.device = "cpu";
  info.device_reason = "no GPU assigned; running on the CPU";
  info.torch_version = "1.13.1";
  return info;
}

class ServiceTest : public ::testing::Test {
protected:
  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "") {
    std::promise<HttpResponse> p;
    auto f = p.get_future();
    service.handle(HttpRequest{method, target, body}, [&p](HttpResponse r) { p.set_value(r); });
    EXPECT_EQ(f.wait_for(10s), std::future_status::ready);
    return f.get();
  }
  void make_ready(BatchOptions options = {}, BatchRunner runner = sum_and_first) {
    options.max_wait = 1ms;
    queue =
        std::make_shared<BatchQueue>(options, 3, std::move(runner), [this](const BatchReport& r) {
          metrics.batch(r.rows, r.forward_seconds, r.queue_waits);
        });
    metrics.set_labels({"cpu", "", "1.13.1", "/models/model.pt", test_info().model_sha256});
    service.set_ready(test_info(), queue);
  }

  Metrics metrics;
  Service service{ServiceOptions{"9.9.9"}, metrics};
  std::shared_ptr<BatchQueue> queue;
};

TEST_F(ServiceTest, HealthIsUnavailableUntilTheModelIsReady) {
  auto starting = call("GET", "/health");
  EXPECT_EQ(starting.status, 503U);
  EXPECT_EQ(json::parse(starting.body)["status"], "starting");
  make_ready();
  auto ok = call("GET", "/health");
  EXPECT_EQ(ok.status, 200U);
  EXPECT_EQ(json::parse(ok.body)["status"], "ok");
  EXPECT_EQ(json::parse(ok.body)["device"], "cpu");
}

TEST_F(ServiceTest, HealthReportsWhyLoadingFailed) {
  service.set_failed("cannot load the model /models/model.pt: file not found");
  auto r = call("GET", "/health");
  EXPECT_EQ(r.status, 503U);
  EXPECT_EQ(json::parse(r.body)["status"], "failed");
  EXPECT_NE(r.body.find("file not found"), std::string::npos);
  EXPECT_NE(call("GET", "/info").body.find("file not found"), std::string::npos);
}

TEST_F(ServiceTest, PredictBeforeReadyAsksToRetry) {
  auto r = call("POST", "/predict", R"({"inputs": [[1, 2, 3]]})");
  EXPECT_EQ(r.status, 503U);
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0].first, "Retry-After");
}

TEST_F(ServiceTest, PredictAnswersEveryRowWithItsOutputsAndArgmax) {
  make_ready();
  auto r = call("POST", "/predict", R"({"inputs": [[1, 2, 3], [-5, 0.5, 0.25]]})");
  ASSERT_EQ(r.status, 200U) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["outputs"], json::parse("[[6, 1], [-4.25, -5]]"));
  EXPECT_EQ(body["predictions"], json::parse("[0, 0]"));
  EXPECT_EQ(body["model"], "0123456789ab");
  EXPECT_EQ(body["device"], "cpu");
  EXPECT_GE(body["batch_size"].get<int>(), 2);
}

TEST_F(ServiceTest, PredictTakesOneInputRow) {
  make_ready();
  auto r = call("POST", "/predict", R"({"input": [0, 0, 7]})");
  ASSERT_EQ(r.status, 200U) << r.body;
  auto body = json::parse(r.body);
  EXPECT_EQ(body["outputs"], json::parse("[[7, 0]]"));
  EXPECT_EQ(body["predictions"], json::parse("[0]"));
}

TEST_F(ServiceTest, PredictNamesWhatIsWrongWithABadBody) {
  make_ready();
  struct Case {
    const char* body;
    const char* message;
  };
  for (const auto& c :
       {Case{"{not json", "not JSON"}, Case{"[1, 2, 3]", "must be an object"},
        Case{R"({"rows": []})", "missing \"inputs\""}, Case{R"({"inputs": []})", "inputs is empty"},
        Case{R"({"inputs": [[1, 2, 3], [1, 2]]})", "inputs[1] has 2 values; the model takes 3"},
        Case{R"({"inputs": [[1, "2", 3]]})", "inputs[0][1] is not a finite 32-bit number"},
        Case{R"({"input": 5})", "input must be a list of 3 numbers"}}) {
    auto r = call("POST", "/predict", c.body);
    EXPECT_EQ(r.status, 400U) << c.body;
    const auto error = json::parse(r.body)["error"];
    EXPECT_NE(error["message"].get<std::string>().find(c.message), std::string::npos)
        << c.body << " → " << r.body;
    EXPECT_EQ(error["code"], "invalid_input");
  }
}

TEST_F(ServiceTest, PredictRefusesMoreRowsThanOneBatch) {
  BatchOptions options;
  options.max_batch = 2;
  make_ready(options);
  auto r = call("POST", "/predict", R"({"inputs": [[1,1,1],[2,2,2],[3,3,3]]})");
  EXPECT_EQ(r.status, 413U);
  EXPECT_NE(r.body.find("at most 2"), std::string::npos) << r.body;
  EXPECT_NE(call("GET", "/metrics").body.find("aic_infer_rejected_total{reason=\"too_large\"} 1"),
            std::string::npos);
}

TEST_F(ServiceTest, PredictAnswers503WhenTheQueueIsFull) {
  std::mutex m;
  std::condition_variable cv;
  bool open = false, entered = false;
  BatchOptions options;
  options.max_batch = 1;
  options.max_queue = 1;
  make_ready(options, [&](const std::vector<float>& in, std::size_t rows, std::size_t w) {
    std::unique_lock lock(m);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
    return sum_and_first(in, rows, w);
  });
  std::promise<HttpResponse> first, second;
  service.handle({"POST", "/predict", R"({"input": [1, 1, 1]})"},
                 [&](HttpResponse r) { first.set_value(r); });
  {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return entered; });
  }
  service.handle({"POST", "/predict", R"({"input": [2, 2, 2]})"},
                 [&](HttpResponse r) { second.set_value(r); });
  auto refused = call("POST", "/predict", R"({"input": [3, 3, 3]})");
  EXPECT_EQ(refused.status, 503U);
  EXPECT_EQ(json::parse(refused.body)["error"]["code"], "queue_full");
  ASSERT_FALSE(refused.headers.empty());
  EXPECT_EQ(refused.headers[0].first, "Retry-After");
  {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
  EXPECT_EQ(first.get_future().get().status, 200U);
  EXPECT_EQ(second.get_future().get().status, 200U);
}

TEST_F(ServiceTest, AFailedBatchIsA500NamingTheError) {
  make_ready({}, [](const std::vector<float>&, std::size_t, std::size_t) {
    return BatchOutput{{}, 0, "expected a 2-D tensor"};
  });
  auto r = call("POST", "/predict", R"({"input": [1, 2, 3]})");
  EXPECT_EQ(r.status, 500U);
  EXPECT_NE(r.body.find("expected a 2-D tensor"), std::string::npos);
}

TEST_F(ServiceTest, APathThatIsNotUtf8IsA404NotACrash) {
  auto r = call("GET", "/\xff\xfe");
  EXPECT_EQ(r.status, 404U);
  EXPECT_FALSE(json::parse(r.body).is_discarded());
}

TEST_F(ServiceTest, ADeeplyNestedBodyIsRefusedWithoutRecursion) {
  make_ready();
  // ~1 MB of brackets: parsed iteratively; the rows must not be copied recursively.
  const std::size_t depth = 400000;
  const std::string body = "{\"inputs\":" + std::string(depth, '[') + std::string(depth, ']') + "}";
  auto r = call("POST", "/predict", body);
  EXPECT_EQ(r.status, 400U);
  EXPECT_NE(r.body.find("inputs[0] has 1 values"), std::string::npos) << r.body.substr(0, 200);
}

TEST_F(ServiceTest, NumbersBeyondFloatAreRefused) {
  make_ready();
  auto r = call("POST", "/predict", R"({"input": [1, 1e300, 1]})");
  EXPECT_EQ(r.status, 400U);
  EXPECT_NE(r.body.find("input[1] is not a finite 32-bit number"), std::string::npos) << r.body;
}

TEST_F(ServiceTest, DrainingTurnsHealthAndPredictionsAway) {
  make_ready();
  service.drain();
  auto health = call("GET", "/health");
  EXPECT_EQ(health.status, 503U);
  EXPECT_EQ(json::parse(health.body)["status"], "stopping");
  auto r = call("POST", "/predict", R"({"input": [1, 2, 3]})");
  EXPECT_EQ(r.status, 503U);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "shutting_down");
}

TEST_F(ServiceTest, ADrainBeforeTheModelIsReadySticks) {
  service.drain();
  make_ready(); // the loader finishing after a stop began
  auto r = call("POST", "/predict", R"({"input": [1, 2, 3]})");
  EXPECT_EQ(r.status, 503U);
  EXPECT_EQ(json::parse(r.body)["error"]["code"], "shutting_down");
}

TEST_F(ServiceTest, UnknownPathsAre404AndWrongMethods405WithAllow) {
  make_ready();
  EXPECT_EQ(call("GET", "/predictions").status, 404U);
  auto r = call("GET", "/predict");
  EXPECT_EQ(r.status, 405U);
  ASSERT_EQ(r.headers.size(), 1U);
  EXPECT_EQ(r.headers[0], (std::pair<std::string, std::string>{"Allow", "POST"}));
  EXPECT_EQ(call("DELETE", "/health").status, 405U);
  EXPECT_EQ(call("GET", "/health?verbose=1").status, 200U);
}

TEST_F(ServiceTest, InfoDescribesTheModelTheDeviceAndTheBatching) {
  BatchOptions options;
  options.max_batch = 48;
  make_ready(options);
  auto body = json::parse(call("GET", "/info").body);
  EXPECT_EQ(body["version"], "9.9.9");
  EXPECT_EQ(body["ready"], true);
  EXPECT_EQ(body["model"]["input_width"], 3);
  EXPECT_EQ(body["model"]["output_width"], 2);
  EXPECT_EQ(body["model"]["sha256"], test_info().model_sha256);
  EXPECT_EQ(body["device"], "cpu");
  EXPECT_EQ(body["device_reason"], "no GPU assigned; running on the CPU");
  EXPECT_EQ(body["batching"]["max_batch"], 48);
  EXPECT_EQ(body["torch_version"], "1.13.1");
}

TEST_F(ServiceTest, MetricsCountRequestsByCodeAndShowBatches) {
  make_ready();
  for (int i = 0; i < 3; ++i)
    call("POST", "/predict", R"({"inputs": [[1, 2, 3], [4, 5, 6]]})");
  call("POST", "/predict", "nope");
  auto r = call("GET", "/metrics");
  EXPECT_EQ(r.status, 200U);
  EXPECT_EQ(r.content_type.rfind("text/plain; version=0.0.4", 0), 0U);
  const auto& text = r.body;
  EXPECT_NE(text.find("aic_infer_requests_total{code=\"200\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("aic_infer_requests_total{code=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_batch_size_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_batch_size_sum 6\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_queue_wait_seconds_count 3\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_forward_duration_seconds_count{device=\"cpu\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("aic_infer_queue_depth 0\n"), std::string::npos);
  // The /metrics request itself is in flight while the text is rendered.
  EXPECT_NE(text.find("aic_infer_inflight_requests 1\n"), std::string::npos);
  EXPECT_NE(
      text.find("aic_infer_device_info{device=\"cpu\",gpu_uuids=\"\",torch_version=\"1.13.1\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("aic_infer_model_info{path=\"/models/model.pt\",sha256=\"0123"),
            std::string::npos);
}

} // namespace
} // namespace inference
