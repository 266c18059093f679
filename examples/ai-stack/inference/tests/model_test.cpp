// The demo model through the real LibTorch: written, loaded and run, and its answer checked
// against the same network computed here by hand from its parameters.
#include "model.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <unistd.h>

namespace inference {
namespace {

namespace fs = std::filesystem;

class ModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("inference-model-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  std::string write(const DemoModelSpec& spec, const std::string& name) {
    const auto path = (dir / name).string();
    EXPECT_EQ(Model::write_demo(path, spec), "");
    return path;
  }
  static std::unique_ptr<Model> load(const std::string& path) {
    std::string error;
    auto model = Model::load(path, DeviceChoice{}, 0, &error);
    EXPECT_TRUE(model) << error;
    return model;
  }

  fs::path dir;
};

DemoModelSpec small_spec(std::uint64_t seed = 7) {
  DemoModelSpec spec;
  spec.input = 5;
  spec.hidden = 7;
  spec.layers = 2;
  spec.output = 3;
  spec.seed = seed;
  return spec;
}

// relu(x·W0 + b0) → relu(·W1 + b1) → softmax(·W2 + b2), in double.
std::vector<double> by_hand(const std::vector<Parameter>& params, const std::vector<float>& row) {
  std::map<std::string, const Parameter*> p;
  for (const auto& param : params)
    p[param.name] = &param;
  std::vector<double> h(row.begin(), row.end());
  for (int layer = 0;; ++layer) {
    const auto* w = p["w" + std::to_string(layer)];
    const auto* b = p["b" + std::to_string(layer)];
    if (w == nullptr)
      break;
    const auto rows = static_cast<std::size_t>(w->shape[0]);
    const auto cols = static_cast<std::size_t>(w->shape[1]);
    std::vector<double> next(cols);
    for (std::size_t j = 0; j < cols; ++j) {
      double sum = b->values[j];
      for (std::size_t i = 0; i < rows; ++i)
        sum += h[i] * w->values[i * cols + j];
      next[j] = sum;
    }
    const bool last = p.count("w" + std::to_string(layer + 1)) == 0;
    if (!last) {
      for (auto& v : next)
        v = std::max(v, 0.0);
    } else {
      double max = *std::max_element(next.begin(), next.end()), total = 0;
      for (auto& v : next)
        total += (v = std::exp(v - max));
      for (auto& v : next)
        v /= total;
    }
    h = next;
  }
  return h;
}

TEST_F(ModelTest, TheDemoModelComputesItsNetwork) {
  auto model = load(write(small_spec(), "model.pt"));
  ASSERT_TRUE(model);
  EXPECT_EQ(model->info().input_width, 5U);
  EXPECT_EQ(model->info().output_width, 3U);
  EXPECT_EQ(model->info().device, "cpu");
  EXPECT_EQ(model->info().sha256.size(), 64U);
  const auto params = model->parameters();
  ASSERT_EQ(params.size(), 6U); // three layers, weight and bias each

  const std::vector<float> inputs{0.5F, -1, 2, 0.25F, 3, -0.5F, 0, 1, 1.5F, -2};
  auto out = model->forward(inputs, 2, 5);
  ASSERT_EQ(out.error, "");
  ASSERT_EQ(out.output_width, 3U);
  ASSERT_EQ(out.outputs.size(), 6U);
  for (std::size_t r = 0; r < 2; ++r) {
    const auto expected = by_hand(params, {inputs.begin() + 5 * r, inputs.begin() + 5 * (r + 1)});
    double total = 0;
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(out.outputs[r * 3 + c], expected[c], 1e-5) << "row " << r << " col " << c;
      total += out.outputs[r * 3 + c];
    }
    EXPECT_NEAR(total, 1.0, 1e-5);
  }
}

TEST_F(ModelTest, TheSameSeedGivesTheSameModelAndAnotherSeedAnother) {
  auto a = load(write(small_spec(1), "a.pt"));
  auto b = load(write(small_spec(1), "b.pt"));
  auto c = load(write(small_spec(2), "c.pt"));
  const std::vector<float> row{1, 2, 3, 4, 5};
  EXPECT_EQ(a->forward(row, 1, 5).outputs, b->forward(row, 1, 5).outputs);
  EXPECT_NE(a->forward(row, 1, 5).outputs, c->forward(row, 1, 5).outputs);
}

TEST_F(ModelTest, ABatchGivesEachRowWhatItWouldGetAlone) {
  auto model = load(write(small_spec(), "model.pt"));
  std::vector<float> batch;
  for (int i = 0; i < 8 * 5; ++i)
    batch.push_back(static_cast<float>(i % 7) - 3);
  auto together = model->forward(batch, 8, 5);
  for (std::size_t r = 0; r < 8; ++r) {
    auto alone = model->forward({batch.begin() + 5 * r, batch.begin() + 5 * (r + 1)}, 1, 5);
    for (std::size_t c = 0; c < 3; ++c) {
      EXPECT_NEAR(together.outputs[r * 3 + c], alone.outputs[c], 1e-6);
    }
  }
}

TEST_F(ModelTest, LoadingNamesTheMissingFile) {
  std::string error;
  EXPECT_FALSE(Model::load((dir / "missing.pt").string(), DeviceChoice{}, 0, &error));
  EXPECT_NE(error.find("missing.pt"), std::string::npos) << error;
}

TEST_F(ModelTest, LoadingRefusesAFileThatIsNotTorchScript) {
  const auto path = dir / "junk.pt";
  { std::ofstream(path) << "not a model"; }
  std::string error;
  EXPECT_FALSE(Model::load(path.string(), DeviceChoice{}, 0, &error));
  EXPECT_NE(error.find("cannot load the model"), std::string::npos) << error;
}

TEST_F(ModelTest, AWrongWidthIsAnErrorNotACrash) {
  auto model = load(write(small_spec(), "model.pt"));
  auto out = model->forward(std::vector<float>(8, 1), 2, 4);
  EXPECT_NE(out.error, "");
}

} // namespace
} // namespace inference
