#pragma once

// Who holds which GPU, read from what the engine reports (docs/gpus.md): aicd's own containers
// by their io.aic.gpu.* labels, other containers by their DeviceRequests and NVIDIA
// environment, as the engine and the NVIDIA hook would hand them GPUs.

#include "engine/container_types.hpp"
#include "gpu/allocator.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aic::supervisor {

/// GPUs a container aicd did not create asks the engine for: count n (the n lowest indexes,
/// moby's countToDevices), -1 for all, or ids (indexes or UUIDs).
struct ForeignGpuRequest {
  int count = 0;
  std::vector<std::string> ids;

  bool operator==(const ForeignGpuRequest&) const = default;
};

/// The GPU requests in `c`: DeviceRequests the NVIDIA driver serves (driver "nvidia", or no
/// driver with a GPU capability), CDI names "nvidia.com/gpu=<x>", and, under the "nvidia"
/// runtime, NVIDIA_VISIBLE_DEVICES ("all", a list; "none", "void" and unset hold none).
std::vector<ForeignGpuRequest> foreign_gpu_requests(const engine::ContainerInspect& c);
/// The same, read from a create request.
std::vector<ForeignGpuRequest> gpu_requests(const engine::ContainerCreate& c);

/// Labels a create request that asks the engine for no GPU (io.aic.gpu.none), so the ledger
/// need not inspect it; removes a label of that name a service set itself when it does ask, or
/// when the nvidia runtime would take NVIDIA_VISIBLE_DEVICES from the image.
void label_gpu_free(engine::ContainerCreate& c);

/// The holds an aicd container records in its labels; nullopt when it has none.
struct LabelledHold {
  std::vector<std::string> uuids;
  gpu::Mode mode = gpu::Mode::Exclusive;
  std::uint64_t memory = 0;
  std::string request; ///< io.aic.gpu.request
};
std::optional<LabelledHold> labelled_hold(const std::map<std::string, std::string>& labels);

/// Adds `hold`'s devices to `ledger` under `holder`.
void add_labelled(gpu::Ledger& ledger, const std::string& holder, const LabelledHold& hold);

/// Removes every hold of `holder` (a container being removed or recreated).
void release(gpu::Ledger& ledger, const std::string& holder);

} // namespace aic::supervisor
