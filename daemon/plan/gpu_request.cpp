#include "plan/gpu_request.hpp"

#include "compose/diagnostic.hpp"
#include "compose/units.hpp"
#include "core/sha256.hpp"
#include "plan/naming.hpp"

#include <algorithm>
#include <string_view>

namespace aic::plan {
namespace {

using compose::Node;

/// x-aic.gpu at one level; unset fields inherit.
struct GpuSettings {
  std::optional<std::uint64_t> memory;
  std::optional<gpu::Mode> mode;
  std::optional<gpu::Policy> policy;
  std::optional<bool> optional;
  std::optional<std::uint64_t> headroom;
};

GpuSettings read_settings(const Node* x_aic, const std::string& path, bool top_level,
                          compose::Diagnostics& diags) {
  GpuSettings out;
  const Node* n = x_aic && x_aic->is_mapping() ? x_aic->find("gpu") : nullptr;
  if (!n) {
    return out;
  }
  const std::string gpu_path = compose::join_path(path, "gpu");
  if (!n->is_mapping()) {
    diags.add(n->mark, gpu_path, "must be a mapping, not " + std::string(n->describe_type()));
    return out;
  }
  auto size = [&](const Node& v, const std::string& key_path) -> std::optional<std::uint64_t> {
    if (v.is_scalar() && !v.is_null()) {
      if (Result<std::int64_t> bytes = compose::parse_byte_size(v.text); bytes && *bytes >= 0) {
        return static_cast<std::uint64_t>(*bytes);
      }
    }
    diags.add(v.mark, key_path, "must be a size like 8GiB or 512MiB");
    return std::nullopt;
  };
  for (const auto& e : n->entries) {
    const std::string key_path = compose::join_path(gpu_path, e.key);
    const Node& v = e.value;
    if (e.key == "memory") {
      out.memory = size(v, key_path);
    } else if (e.key == "headroom" && top_level) {
      out.headroom = size(v, key_path);
    } else if (e.key == "sharing") {
      if (v.text == "exclusive" || v.text == "shared") {
        out.mode = v.text == "shared" ? gpu::Mode::Shared : gpu::Mode::Exclusive;
      } else {
        diags.add(v.mark, key_path, "must be exclusive or shared");
      }
    } else if (e.key == "policy") {
      if (v.text == "spread" || v.text == "binpack") {
        out.policy = v.text == "binpack" ? gpu::Policy::Binpack : gpu::Policy::Spread;
      } else {
        diags.add(v.mark, key_path, "must be spread or binpack");
      }
    } else if (e.key == "optional") {
      if (v.type != compose::ScalarType::Bool) {
        diags.add(v.mark, key_path, "must be true or false");
      } else {
        out.optional = v.text == "true";
      }
    } else {
      diags.add(e.key_mark, key_path,
                std::string("unknown key (memory, sharing, policy, optional") +
                    (top_level ? ", headroom)" : ")"));
    }
  }
  return out;
}

const Node* service_node(const Node& model, const std::string& service) {
  const Node* services = model.find("services");
  return services ? services->find(service) : nullptr;
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : std::string(1, sep)) + item;
  }
  return out;
}

std::string request_hash(const gpu::Request& r) {
  std::string text = "count=" + std::to_string(r.count) + "\nids=" + join(r.ids, ',') +
                     "\nmemory=" + std::to_string(r.memory) +
                     "\nmode=" + (r.mode == gpu::Mode::Shared ? "shared" : "exclusive") +
                     "\noptional=" + (r.optional ? "1" : "0") + "\ndriver=" + r.driver +
                     "\ncapabilities=" + join(r.capabilities, ',');
  return sha256_hex(text);
}

} // namespace

bool schedules(const engine::DeviceRequest& request) {
  if (request.driver == "nvidia") {
    return true;
  }
  if (!request.driver.empty()) {
    return false;
  }
  for (const auto& group : request.capabilities) {
    for (const auto& cap : group) {
      if (gpu::nvidia_capability(cap)) {
        return true;
      }
    }
  }
  return false;
}

Result<ProjectGpuSettings> project_gpu_settings(const Node& model) {
  compose::Diagnostics diags;
  GpuSettings top = read_settings(model.find("x-aic"), "x-aic", true, diags);
  if (!diags.empty()) {
    return unexpected(diags.to_error());
  }
  return ProjectGpuSettings{top.headroom.value_or(0), top.policy};
}

Result<std::optional<ServiceGpu>> service_gpu(const Node& model, const std::string& service,
                                              const engine::ContainerCreate& create,
                                              gpu::Policy daemon_policy) {
  compose::Diagnostics diags;
  GpuSettings top = read_settings(model.find("x-aic"), "x-aic", true, diags);
  const Node* node = service_node(model, service);
  const std::string path = "services." + service + ".x-aic";
  GpuSettings own = read_settings(node ? node->find("x-aic") : nullptr, path, false, diags);
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < create.device_requests.size(); ++i) {
    if (!schedules(create.device_requests[i])) {
      continue;
    }
    if (index) {
      const Node* at = node ? node->find("deploy") : nullptr;
      if (!at && node) {
        at = node->find("gpus");
      }
      diags.add(at ? at->mark : compose::Mark{}, "services." + service,
                "more than one GPU device request; aic places one per service: merge them");
      break;
    }
    index = i;
  }
  if (!diags.empty()) {
    return unexpected(diags.to_error());
  }
  if (!index) {
    return std::optional<ServiceGpu>();
  }
  const engine::DeviceRequest& d = create.device_requests[*index];
  ServiceGpu out;
  out.request_index = *index;
  gpu::Request& r = out.request;
  r.service = service;
  r.count = d.device_ids.empty() ? d.count : 0;
  r.ids = d.device_ids;
  r.memory = own.memory.value_or(top.memory.value_or(0));
  r.mode = own.mode.value_or(
      top.mode.value_or(r.count == -1 ? gpu::Mode::Shared : gpu::Mode::Exclusive));
  r.policy = own.policy.value_or(top.policy.value_or(daemon_policy));
  r.optional = own.optional.value_or(top.optional.value_or(false));
  r.driver = d.driver;
  for (const auto& group : d.capabilities) {
    r.capabilities.insert(r.capabilities.end(), group.begin(), group.end());
  }
  out.hash = request_hash(r);
  return std::optional<ServiceGpu>(std::move(out));
}

void apply_gpu_placement(engine::ContainerCreate& create, const ServiceGpu& gpu,
                         const gpu::Placement& placement) {
  if (gpu.request_index >= create.device_requests.size()) {
    return;
  }
  if (placement.on_cpu) {
    create.device_requests.erase(create.device_requests.begin() +
                                 static_cast<std::ptrdiff_t>(gpu.request_index));
    create.env.push_back("AIC_GPU=none");
    create.labels[std::string(label::kGpuRequest)] = gpu.hash;
    return;
  }
  engine::DeviceRequest& d = create.device_requests[gpu.request_index];
  d.driver = "nvidia";
  d.count = 0;
  d.device_ids = placement.uuids;
  const std::string uuids = join(placement.uuids, ',');
  create.env.push_back("AIC_GPU_UUIDS=" + uuids);
  create.labels[std::string(label::kGpuUuids)] = uuids;
  create.labels[std::string(label::kGpuMode)] =
      gpu.request.mode == gpu::Mode::Shared ? "shared" : "exclusive";
  create.labels[std::string(label::kGpuMemory)] = std::to_string(gpu.request.memory);
  create.labels[std::string(label::kGpuRequest)] = gpu.hash;
}

} // namespace aic::plan
