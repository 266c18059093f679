#include "device.hpp"

#include <cstdlib>

namespace inference {

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr)
    return std::nullopt;
  return std::string(value);
}

// The GPUs the environment hands this container, "" when none: NVIDIA_VISIBLE_DEVICES unset,
// empty, `void` or `none` gives no device (the toolkit's reading), and AIC_GPU=none is aic's
// "optional GPU, none free".
std::string assigned_gpus(const GpuEnvironment& env) {
  if (env.aic_gpu && *env.aic_gpu == "none")
    return "";
  if (env.aic_gpu_uuids && !env.aic_gpu_uuids->empty())
    return *env.aic_gpu_uuids;
  if (env.nvidia_visible_devices) {
    const auto& v = *env.nvidia_visible_devices;
    if (!v.empty() && v != "void" && v != "none")
      return v;
  }
  return "";
}

} // namespace

std::optional<DevicePreference> parse_device_preference(const std::string& text) {
  if (text.empty() || text == "auto")
    return DevicePreference::Auto;
  if (text == "cpu")
    return DevicePreference::Cpu;
  if (text == "cuda" || text == "gpu")
    return DevicePreference::Cuda;
  return std::nullopt;
}

GpuEnvironment gpu_environment_from_process() {
  return GpuEnvironment{env("NVIDIA_VISIBLE_DEVICES"), env("CUDA_VISIBLE_DEVICES"),
                        env("AIC_GPU_UUIDS"), env("AIC_GPU")};
}

DeviceChoice choose_device(DevicePreference preference, const GpuEnvironment& env,
                           const CudaRuntime& cuda, DeviceError* error) {
  DeviceChoice choice;
  choice.assigned_gpus = assigned_gpus(env);
  const bool cuda_usable = cuda.available && cuda.device_count > 0;
  const std::string cuda_visible =
      env.cuda_visible_devices ? " (CUDA_VISIBLE_DEVICES=" + *env.cuda_visible_devices + ")" : "";

  if (preference == DevicePreference::Cpu) {
    choice.reason = "AIC_DEVICE=cpu";
    return choice;
  }
  if (cuda_usable) {
    choice.cuda = true;
    choice.index = 0;
    choice.reason = std::to_string(cuda.device_count) + " CUDA device(s) visible" + cuda_visible +
                    (choice.assigned_gpus.empty() ? "" : ", assigned " + choice.assigned_gpus) +
                    "; using the first";
    return choice;
  }
  std::string why;
  if (!cuda.available) {
    why = "this LibTorch has no usable CUDA (Debian's libtorch is CPU-only)";
  } else {
    why = "CUDA reports no device" + cuda_visible;
  }
  if (preference == DevicePreference::Cuda) {
    if (error != nullptr) {
      error->message = "AIC_DEVICE=cuda, but " + why +
                       (choice.assigned_gpus.empty() ? "; no GPU assigned"
                                                     : "; assigned " + choice.assigned_gpus);
    }
    return choice;
  }
  choice.reason = choice.assigned_gpus.empty() ? "no GPU assigned; running on the CPU"
                                               : "GPU " + choice.assigned_gpus + " assigned, but " +
                                                     why + "; running on the CPU";
  return choice;
}

} // namespace inference
