#pragma once

// GET /v1/gpus (docs/gpus.md): the machine's GPUs as aicd sees them, and who holds each.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace aic::proto {

/// One container's hold on a GPU.
struct GpuHolder {
  std::string container; ///< the container's name
  std::string project;   ///< "" for a container aic did not create
  std::string service;
  int number = 0;
  std::string mode;         ///< exclusive, shared
  std::uint64_t memory = 0; ///< bytes reserved on the device
  bool foreign = false;     ///< a container aic did not create (its DeviceRequests)
  std::string state;        ///< the container's state: running, exited, …

  bool operator==(const GpuHolder&) const = default;
};

struct GpuDevice {
  int index = 0;
  std::string uuid;
  std::string name;
  std::uint64_t memory_total = 0;
  std::uint64_t memory_used = 0;     ///< observed by the probe (advisory)
  std::uint64_t memory_reserved = 0; ///< declared by the holders' x-aic.gpu.memory
  int utilization = -1;              ///< percent; -1 unknown
  bool mig = false;
  bool healthy = true;
  std::vector<GpuHolder> holders;

  bool operator==(const GpuDevice&) const = default;
};

struct GpuStatus {
  std::string source; ///< nvml, nvidia-smi, fake (an inventory file), none
  std::string driver_version;
  std::string detail;         ///< why no GPU was found, what a probe skipped
  std::string policy;         ///< the daemon's default: spread, binpack
  std::int64_t probed_ns = 0; ///< when the inventory was last read; "probed" on the wire
  std::vector<GpuDevice> devices;
  /// Holds on UUIDs the inventory does not have (a card that vanished): still counted.
  std::vector<std::string> warnings;

  bool operator==(const GpuStatus&) const = default;
};

void to_json(nlohmann::json& j, const GpuHolder& v);
void from_json(const nlohmann::json& j, GpuHolder& v);
void to_json(nlohmann::json& j, const GpuDevice& v);
void from_json(const nlohmann::json& j, GpuDevice& v);
void to_json(nlohmann::json& j, const GpuStatus& v);
void from_json(const nlohmann::json& j, GpuStatus& v);

} // namespace aic::proto
