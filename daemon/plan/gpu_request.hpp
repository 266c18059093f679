#pragma once

// A service's GPU reservation as aicd places it (docs/gpus.md): which of its device requests
// asks for NVIDIA GPUs, what `x-aic.gpu` adds (memory per device, sharing, policy, optional),
// and how a placement is written back into the container's create request.

#include "compose/node.hpp"
#include "core/result.hpp"
#include "engine/container_types.hpp"
#include "gpu/allocator.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace aic::plan {

/// The top-level `x-aic.gpu`: defaults for every service, and the headroom kept free per card.
struct ProjectGpuSettings {
  std::uint64_t headroom = 0;
  std::optional<gpu::Policy> policy;
};

/// One service's GPU reservation, for replica 1 (the caller sets `request.replica`).
struct ServiceGpu {
  std::size_t request_index = 0; ///< into ContainerCreate::device_requests
  gpu::Request request;
  /// Hash of the normalized request (io.aic.gpu.request): a container whose request changed
  /// is placed again; one whose request did not keeps its devices.
  std::string hash;
};

/// Whether aicd places this device request: driver "nvidia", or no driver and a capability
/// the NVIDIA driver provides (what Compose's `gpus:` and `capabilities: [gpu]` produce).
bool schedules(const engine::DeviceRequest& request);

/// Reads the top-level x-aic.gpu. InvalidSpec naming file:line:key for bad values.
Result<ProjectGpuSettings> project_gpu_settings(const compose::Node& model);

/// The service's GPU reservation, nullopt when it asks for none. `create` is its container's
/// request as Compose builds it. The policy comes from the service's x-aic.gpu, else the
/// project's, else `daemon_policy`; the mode is exclusive, but shared for `count: all`.
/// InvalidSpec for bad x-aic.gpu values and for more than one GPU request in one service.
Result<std::optional<ServiceGpu>> service_gpu(const compose::Node& model,
                                              const std::string& service,
                                              const engine::ContainerCreate& create,
                                              gpu::Policy daemon_policy);

/// Writes `placement` into `create`: the GPU request becomes driver "nvidia", Count 0 and the
/// placed UUIDs (moby then sets NVIDIA_VISIBLE_DEVICES to exactly those), with the io.aic.gpu.*
/// labels and AIC_GPU_UUIDS in the environment; an optional request placed on the CPU loses
/// its device request and gets AIC_GPU=none.
void apply_gpu_placement(engine::ContainerCreate& create, const ServiceGpu& gpu,
                         const gpu::Placement& placement);

} // namespace aic::plan
