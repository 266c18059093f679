// The TorchScript model behind a small interface, so that only model.cpp includes LibTorch
// (a LibTorch translation unit costs ~30 s and ~1.3 GB to compile).
#pragma once

#include "batch_queue.hpp"
#include "device.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace inference {

struct ModelInfo {
  std::string path;
  std::string sha256; ///< of the file as loaded
  std::string name;   ///< the module's type name
  std::size_t input_width = 0;
  std::size_t output_width = 0;
  std::string device; ///< "cpu" or "cuda:0"
};

/// One named parameter of the module, copied to the CPU (for tests and inspection).
struct Parameter {
  std::string name;
  std::vector<std::int64_t> shape;
  std::vector<float> values; ///< row-major
};

/// The demo model written by `make-model`: an MLP, input → hidden (ReLU) × layers → output
/// (softmax), weights drawn from LibTorch's generator seeded with `seed`.
struct DemoModelSpec {
  std::size_t input = 64;
  std::size_t hidden = 512;
  std::size_t layers = 6;
  std::size_t output = 10;
  std::uint64_t seed = 42;
};

/// One loaded TorchScript module on one device. forward() is called by one thread at a time
/// (the batcher); the accessors are safe from any thread.
class Model {
public:
  /// Loads `path` onto `device`. The input width comes from the module's `input_width`
  /// attribute (make-model sets it), else `input_width` (0: error); the output width from a
  /// one-row forward pass. Returns nullptr and sets `error` on failure.
  static std::unique_ptr<Model> load(const std::string& path, const DeviceChoice& device,
                                     std::size_t input_width, std::string* error);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  /// Runs `rows` rows of `width` floats; returns rows × output_width floats, or an error.
  BatchOutput forward(const std::vector<float>& inputs, std::size_t rows, std::size_t width);
  const ModelInfo& info() const;
  std::vector<Parameter> parameters() const;

  static CudaRuntime cuda_runtime();
  static std::string torch_version();
  /// LibTorch's intra-op threads.
  static void set_threads(int threads);
  /// Writes the demo model to `path`; returns "" or an error.
  static std::string write_demo(const std::string& path, const DemoModelSpec& spec);

private:
  struct Impl;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace inference
