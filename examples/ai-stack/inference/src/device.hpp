// Which device the model runs on: CUDA when this LibTorch has it and a GPU is visible, else
// the CPU. Pure: LibTorch's answers and the environment come in as arguments.
#pragma once

#include <optional>
#include <string>

namespace inference {

enum class DevicePreference { Auto, Cpu, Cuda };

/// The GPU-related environment aic's scheduler (and the NVIDIA toolkit) set in a container.
struct GpuEnvironment {
  std::optional<std::string> nvidia_visible_devices; ///< NVIDIA_VISIBLE_DEVICES
  std::optional<std::string> cuda_visible_devices;   ///< CUDA_VISIBLE_DEVICES
  std::optional<std::string> aic_gpu_uuids;          ///< AIC_GPU_UUIDS (aic's placement)
  std::optional<std::string> aic_gpu;                ///< AIC_GPU=none: optional GPU not given
};

/// What LibTorch reports about CUDA in this process.
struct CudaRuntime {
  bool available = false;
  int device_count = 0;
};

struct DeviceChoice {
  bool cuda = false;
  int index = 0;             ///< CUDA device index; the toolkit shows only the assigned GPUs
  std::string assigned_gpus; ///< what the environment assigned ("" when none)
  std::string reason;        ///< one sentence for the log and /info

  /// "cuda:0" or "cpu".
  std::string name() const { return cuda ? "cuda:" + std::to_string(index) : "cpu"; }
};

struct DeviceError {
  std::string message;
};

/// Parses AIC_DEVICE (auto, cpu, cuda); nullopt for anything else.
std::optional<DevicePreference> parse_device_preference(const std::string& text);

/// Reads the GPU variables from this process's environment.
GpuEnvironment gpu_environment_from_process();

/// Chooses the device. Forcing `cuda` where CUDA is unavailable is an error, never a silent
/// fallback; `auto` falls back to the CPU and says why.
DeviceChoice choose_device(DevicePreference preference, const GpuEnvironment& env,
                           const CudaRuntime& cuda, DeviceError* error);

} // namespace inference
