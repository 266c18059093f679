#include "config.hpp"

#include <gtest/gtest.h>
#include <map>

namespace inference {
namespace {

EnvLookup env_of(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end())
      return std::nullopt;
    return it->second;
  };
}

TEST(Config, DefaultsServeTheModelOnPort8000) {
  std::string error;
  auto c = config_from_env(env_of({}), &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->port, 8000);
  EXPECT_EQ(c->model_path, "/models/model.pt");
  EXPECT_EQ(c->batch.max_batch, 32U);
  EXPECT_EQ(c->batch.max_wait, std::chrono::microseconds(2000));
  EXPECT_EQ(c->device, DevicePreference::Auto);
}

TEST(Config, ReadsEverySetting) {
  std::string error;
  auto c = config_from_env(env_of({{"PORT", "9000"},
                                   {"MODEL_PATH", "/m/x.pt"},
                                   {"MAX_BATCH", "64"},
                                   {"MAX_WAIT_MS", "0.5"},
                                   {"MAX_QUEUE", "10"},
                                   {"REQUEST_TIMEOUT_MS", "250"},
                                   {"AIC_DEVICE", "cpu"},
                                   {"TORCH_THREADS", "2"},
                                   {"INPUT_WIDTH", "12"}}),
                           &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->model_path, "/m/x.pt");
  EXPECT_EQ(c->batch.max_batch, 64U);
  EXPECT_EQ(c->batch.max_wait, std::chrono::microseconds(500));
  EXPECT_EQ(c->batch.max_queue, 10U);
  EXPECT_EQ(c->batch.request_timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(c->device, DevicePreference::Cpu);
  EXPECT_EQ(c->torch_threads, 2);
  EXPECT_EQ(c->input_width, 12U);
}

TEST(Config, NamesTheVariableItCannotRead) {
  for (const auto& [name, value, message] :
       {std::tuple{"MAX_BATCH", "0", "MAX_BATCH=0: expected a number from 1 to 4096"},
        std::tuple{"PORT", "http", "PORT=http: expected a number from 0 to 65535"},
        std::tuple{"MAX_WAIT_MS", "2ms", "MAX_WAIT_MS=2ms: expected a number from 0 to 1000"},
        std::tuple{"MAX_WAIT_MS", "nan", "MAX_WAIT_MS=nan: expected a number from 0 to 1000"},
        std::tuple{"AIC_DEVICE", "tpu", "AIC_DEVICE=tpu: expected auto, cpu or cuda"}}) {
    std::string error;
    EXPECT_FALSE(config_from_env(env_of({{name, value}}), &error));
    EXPECT_EQ(error, message);
  }
}

} // namespace
} // namespace inference
