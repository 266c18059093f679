// The only translation unit that includes LibTorch.
#include "model.hpp"

#include "sha256.hpp"

#include <cmath>
#include <exception>
#include <sstream>
#include <torch/script.h>
#include <torch/torch.h>
#include <torch/version.h>
#include <utility>

namespace inference {

struct Model::Impl {
  torch::jit::Module module;
  torch::Device device{torch::kCPU};
  ModelInfo info;
};

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

const ModelInfo& Model::info() const {
  return impl_->info;
}

std::vector<Parameter> Model::parameters() const {
  std::vector<Parameter> out;
  for (const auto& named : impl_->module.named_parameters(/*recurse=*/true)) {
    auto t = named.value.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    Parameter p;
    p.name = named.name;
    p.shape.assign(t.sizes().begin(), t.sizes().end());
    p.values.assign(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
    out.push_back(std::move(p));
  }
  return out;
}

CudaRuntime Model::cuda_runtime() {
  CudaRuntime runtime;
  runtime.available = torch::cuda::is_available();
  runtime.device_count = runtime.available ? static_cast<int>(torch::cuda::device_count()) : 0;
  return runtime;
}

std::string Model::torch_version() {
  return TORCH_VERSION;
}

void Model::set_threads(int threads) {
  if (threads > 0)
    torch::set_num_threads(threads);
}

std::unique_ptr<Model> Model::load(const std::string& path, const DeviceChoice& device,
                                   std::size_t input_width, std::string* error) {
  auto impl = std::make_unique<Impl>();
  try {
    auto digest = sha256_file(path);
    if (!digest) {
      *error = "cannot read the model " + path + ": " + digest.error;
      return nullptr;
    }
    impl->info.sha256 = digest.hex;
    impl->device = device.cuda ? torch::Device(torch::kCUDA, static_cast<int8_t>(device.index))
                               : torch::Device(torch::kCPU);
    impl->module = torch::jit::load(path, impl->device);
    impl->module.eval();
    impl->info.path = path;
    impl->info.device = device.name();
    impl->info.name = impl->module.type()->name() ? impl->module.type()->name()->name() : "model";
    if (impl->module.hasattr("input_width")) {
      const auto width = impl->module.attr("input_width");
      if (!width.isInt() || width.toInt() <= 0) {
        *error = path + ": the attribute input_width is not a positive integer";
        return nullptr;
      }
      impl->info.input_width = static_cast<std::size_t>(width.toInt());
    } else if (input_width > 0) {
      impl->info.input_width = input_width;
    } else {
      *error = path + " has no input_width attribute; set INPUT_WIDTH";
      return nullptr;
    }
  } catch (const std::exception& e) {
    *error = "cannot load the model " + path + ": " + e.what();
    return nullptr;
  }
  std::unique_ptr<Model> model(new Model(std::move(impl)));
  // One zero row tells the output width (and fails early on a model that cannot run).
  const std::size_t width = model->impl_->info.input_width;
  auto probe = model->forward(std::vector<float>(width, 0.0F), 1, width);
  if (!probe.error.empty()) {
    *error = "the model " + path + " does not run on one row of " + std::to_string(width) +
             " values: " + probe.error;
    return nullptr;
  }
  model->impl_->info.output_width = probe.output_width;
  return model;
}

BatchOutput Model::forward(const std::vector<float>& inputs, std::size_t rows, std::size_t width) {
  BatchOutput out;
  try {
    c10::InferenceMode guard;
    // from_blob does not copy: `inputs` outlives the call; .to() copies when the device is CUDA.
    auto x =
        torch::from_blob(const_cast<float*>(inputs.data()),
                         {static_cast<int64_t>(rows), static_cast<int64_t>(width)}, torch::kFloat32)
            .to(impl_->device);
    auto y = impl_->module.forward({x}).toTensor();
    y = y.to(torch::kCPU, torch::kFloat32).contiguous();
    if (y.dim() == 1 && rows == 1)
      y = y.unsqueeze(0);
    if (y.dim() != 2 || y.size(0) != static_cast<int64_t>(rows)) {
      std::ostringstream shape;
      shape << y.sizes();
      out.error =
          "the model returned shape " + shape.str() + " for " + std::to_string(rows) + " rows";
      return out;
    }
    out.output_width = static_cast<std::size_t>(y.size(1));
    const float* data = y.data_ptr<float>();
    out.outputs.assign(data, data + y.numel());
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  return out;
}

std::string Model::write_demo(const std::string& path, const DemoModelSpec& spec) {
  if (spec.input == 0 || spec.hidden == 0 || spec.output == 0) {
    return "the demo model needs positive sizes";
  }
  try {
    torch::manual_seed(spec.seed);
    torch::jit::Module m("DemoMlp");
    std::ostringstream source;
    source << "def forward(self, x: Tensor) -> Tensor:\n    h = x\n";
    std::size_t fan_in = spec.input;
    for (std::size_t layer = 0; layer <= spec.layers; ++layer) {
      const bool last = layer == spec.layers;
      const std::size_t fan_out = last ? spec.output : spec.hidden;
      const std::string w = "w" + std::to_string(layer), b = "b" + std::to_string(layer);
      // He initialisation keeps the activations from vanishing through the ReLUs.
      m.register_parameter(
          w,
          torch::randn({static_cast<int64_t>(fan_in), static_cast<int64_t>(fan_out)}) *
              std::sqrt(2.0 / static_cast<double>(fan_in)),
          false);
      m.register_parameter(b, torch::randn({static_cast<int64_t>(fan_out)}) * 0.1, false);
      if (last) {
        source << "    return torch.softmax(torch.addmm(self." << b << ", h, self." << w
               << "), dim=1)\n";
      } else {
        source << "    h = torch.relu(torch.addmm(self." << b << ", h, self." << w << "))\n";
      }
      fan_in = fan_out;
    }
    m.register_attribute("input_width", c10::IntType::get(), static_cast<int64_t>(spec.input));
    m.register_attribute("output_width", c10::IntType::get(), static_cast<int64_t>(spec.output));
    m.define(source.str());
    m.eval();
    m.save(path);
  } catch (const std::exception& e) {
    return "cannot write the demo model to " + path + ": " + e.what();
  }
  return "";
}

} // namespace inference
