// The service's settings, read from the environment (as a container is configured).
#pragma once

#include "batch_queue.hpp"
#include "device.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace inference {

struct Config {
  std::string host = "0.0.0.0";                ///< HOST
  std::uint16_t port = 8000;                   ///< PORT
  std::string model_path = "/models/model.pt"; ///< MODEL_PATH
  std::size_t input_width = 0;                 ///< INPUT_WIDTH, for models without the attribute
  BatchOptions batch; ///< MAX_BATCH, MAX_WAIT_MS, MAX_QUEUE, REQUEST_TIMEOUT_MS
  DevicePreference device = DevicePreference::Auto; ///< AIC_DEVICE: auto, cpu, cuda
  int torch_threads = 0;                            ///< TORCH_THREADS; 0: LibTorch's default
  int http_threads = 2;                             ///< HTTP_THREADS
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

/// Reads every setting; on a bad value returns nullopt and sets `error` to name the variable,
/// its value and what it takes.
std::optional<Config> config_from_env(const EnvLookup& env, std::string* error);

/// The process environment as an EnvLookup.
EnvLookup process_env();

} // namespace inference
