#include "supervisor/gpu_holds.hpp"

#include "plan/gpu_request.hpp"
#include "plan/naming.hpp"

#include <algorithm>

namespace aic::supervisor {
namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) {
      out.push_back(item);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

} // namespace

std::vector<ForeignGpuRequest> foreign_gpu_requests(const engine::ContainerInspect& c) {
  return gpu_requests(c.config);
}

std::vector<ForeignGpuRequest> gpu_requests(const engine::ContainerCreate& c) {
  std::vector<ForeignGpuRequest> out;
  for (const auto& d : c.device_requests) {
    if (d.driver == "cdi") {
      ForeignGpuRequest cdi;
      for (const auto& id : d.device_ids) {
        constexpr std::string_view kKind = "nvidia.com/gpu=";
        if (id.rfind(kKind, 0) != 0) {
          continue;
        }
        std::string what = id.substr(kKind.size());
        if (what == "all") {
          out.push_back({-1, {}});
        } else {
          cdi.ids.push_back(what);
        }
      }
      if (!cdi.ids.empty()) {
        out.push_back(std::move(cdi));
      }
      continue;
    }
    if (!plan::schedules(d)) {
      continue;
    }
    if (!d.device_ids.empty()) {
      out.push_back({0, d.device_ids});
    } else if (d.count != 0) {
      out.push_back({d.count, {}});
    }
  }
  if (out.empty() && c.runtime == "nvidia") {
    std::string visible;
    bool set = false;
    for (const auto& kv : c.env) {
      if (kv.rfind("NVIDIA_VISIBLE_DEVICES=", 0) == 0) {
        visible = kv.substr(23); // the last one wins, as in the toolkit
        set = true;
      }
    }
    if (set && visible == "all") {
      out.push_back({-1, {}});
    } else if (set && visible != "none" && visible != "void" && !visible.empty()) {
      out.push_back({0, split_list(visible)});
    }
  }
  return out;
}

void label_gpu_free(engine::ContainerCreate& c) {
  // Under the nvidia runtime the image's own NVIDIA_VISIBLE_DEVICES (CUDA images set "all")
  // hands out GPUs unless the request sets the variable itself: not known here, so no label.
  const bool image_may_choose =
      c.runtime == "nvidia" && std::none_of(c.env.begin(), c.env.end(), [](const std::string& kv) {
        return kv.rfind("NVIDIA_VISIBLE_DEVICES=", 0) == 0;
      });
  if (gpu_requests(c).empty() && !image_may_choose) {
    c.labels[std::string(plan::label::kGpuNone)] = "true";
  } else {
    c.labels.erase(std::string(plan::label::kGpuNone));
  }
}

std::optional<LabelledHold> labelled_hold(const std::map<std::string, std::string>& labels) {
  std::string uuids = plan::label_value(labels, plan::label::kGpuUuids);
  if (uuids.empty()) {
    return std::nullopt;
  }
  LabelledHold out;
  out.uuids = split_list(uuids);
  out.mode = plan::label_value(labels, plan::label::kGpuMode) == "shared" ? gpu::Mode::Shared
                                                                          : gpu::Mode::Exclusive;
  try {
    out.memory = std::stoull(plan::label_value(labels, plan::label::kGpuMemory));
  } catch (...) {
    out.memory = 0;
  }
  out.request = plan::label_value(labels, plan::label::kGpuRequest);
  return out;
}

void add_labelled(gpu::Ledger& ledger, const std::string& holder, const LabelledHold& hold) {
  for (const auto& uuid : hold.uuids) {
    ledger[uuid].push_back(gpu::Hold{holder, false, hold.mode, hold.memory});
  }
}

void release(gpu::Ledger& ledger, const std::string& holder) {
  for (auto it = ledger.begin(); it != ledger.end();) {
    auto& holds = it->second;
    holds.erase(std::remove_if(holds.begin(), holds.end(),
                               [&](const gpu::Hold& h) { return h.holder == holder; }),
                holds.end());
    it = holds.empty() ? ledger.erase(it) : std::next(it);
  }
}

} // namespace aic::supervisor
