#include "gpu/allocator.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <numeric>
#include <string_view>
#include <tuple>

namespace aic::gpu {
namespace {

// What moby's nvidia driver answers to (daemon/nvidia_linux.go).
constexpr std::array<std::string_view, 8> kNvidiaCapabilities = {
    "gpu", "nvidia", "compute", "utility", "graphics", "video", "display", "compat32"};

std::string bytes_text(std::uint64_t bytes) {
  constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
  if (bytes >= kGiB && bytes % kGiB == 0) {
    return std::to_string(bytes / kGiB) + " GiB";
  }
  if (bytes >= kMiB) {
    return std::to_string(bytes / kMiB) + " MiB";
  }
  return std::to_string(bytes) + " B";
}

std::string device_text(const Device& d) {
  return "GPU" + std::to_string(d.index) + " " + d.uuid;
}

std::uint64_t reserved(const std::vector<Hold>& holds) {
  std::uint64_t sum = 0;
  for (const auto& h : holds) {
    sum += h.memory;
  }
  return sum;
}

class Planner {
public:
  Planner(const std::vector<Device>& inventory, Ledger ledger, std::uint64_t headroom)
      : inventory_(inventory), ledger_(std::move(ledger)), headroom_(headroom) {}

  /// Why `d` cannot take `r` now; "" when it can.
  std::string refusal(const Device& d, const Request& r) const {
    auto it = ledger_.find(d.uuid);
    static const std::vector<Hold> kNone;
    const std::vector<Hold>& holds = it == ledger_.end() ? kNone : it->second;
    const std::uint64_t capacity = d.total_bytes > headroom_ ? d.total_bytes - headroom_ : 0;
    if (!d.healthy) {
      return "unhealthy";
    }
    if (r.mode == Mode::Exclusive) {
      if (!holds.empty()) {
        const Hold& h = holds.front();
        return (h.foreign ? "used by non-aic container \"" + h.holder + "\""
                          : "held by " + h.holder) +
               (h.mode == Mode::Shared ? " (shared)" : "");
      }
      if (r.memory > capacity) {
        return bytes_text(d.total_bytes) + " total, too small for " + bytes_text(r.memory);
      }
      return "";
    }
    for (const auto& h : holds) {
      if (h.mode == Mode::Exclusive) {
        return (h.foreign ? "used by non-aic container \"" + h.holder + "\""
                          : "held by " + h.holder) +
               " exclusively";
      }
    }
    if (reserved(holds) + r.memory > capacity) {
      return bytes_text(reserved(holds)) + " of " + bytes_text(d.total_bytes) +
             " reserved, no room for " + bytes_text(r.memory);
    }
    return "";
  }

  /// The ordering key of an eligible device: smaller is preferred.
  std::tuple<int, std::uint64_t, std::uint64_t, int> key(const Device& d, const Request& r) const {
    auto it = ledger_.find(d.uuid);
    const std::uint64_t users = it == ledger_.end() ? 0 : it->second.size();
    const std::uint64_t used = it == ledger_.end() ? 0 : reserved(it->second);
    const int moved = std::find(r.prefer.begin(), r.prefer.end(), d.uuid) == r.prefer.end();
    if (r.mode == Mode::Exclusive) {
      return {moved, r.memory > 0 ? d.total_bytes : 0, 0, d.index}; // smallest sufficient card
    }
    if (r.policy == Policy::Spread) {
      return {moved, users, used, d.index};
    }
    const std::uint64_t left = d.total_bytes - std::min(d.total_bytes, used + r.memory);
    return {moved, left, 0, d.index}; // best fit
  }

  const Device* resolve(const std::string& id) const {
    if (!id.empty() &&
        std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      for (const auto& d : inventory_) {
        if (std::to_string(d.index) == id) {
          return &d;
        }
      }
      return nullptr;
    }
    const Device* found = nullptr;
    for (const auto& d : inventory_) {
      if (d.uuid == id) {
        return &d;
      }
      if (d.uuid.rfind(id, 0) == 0) {
        if (found) {
          return nullptr; // an ambiguous prefix
        }
        found = &d;
      }
    }
    return found;
  }

  /// Places `r`, recording its holds; false with `error` set when it does not fit.
  bool place(const Request& r, Placement& out, std::string& error) {
    const std::string who = replica_name(r.service, r.replica);
    out.service = r.service;
    out.replica = r.replica;
    if (!r.driver.empty() && r.driver != "nvidia") {
      error = "service \"" + r.service + "\": no device driver \"" + r.driver +
              "\" (aic schedules nvidia GPUs)";
      return false;
    }
    for (const auto& c : r.capabilities) {
      if (!nvidia_capability(c)) {
        error = "service \"" + r.service + "\": no device driver provides capability \"" + c + "\"";
        return false;
      }
    }
    if (r.count != 0 && !r.ids.empty()) {
      error = "service \"" + r.service + "\": \"count\" and \"device_ids\" are exclusive";
      return false;
    }
    if (inventory_.empty()) {
      if (r.optional) {
        out.on_cpu = true;
        return true;
      }
      error = who + " requests a GPU but no GPU was found; set x-aic.gpu.optional: true on " +
              "service \"" + r.service + "\" to run it on the CPU";
      return false;
    }
    std::vector<const Device*> chosen;
    if (!r.ids.empty()) {
      for (const auto& id : r.ids) {
        const Device* d = resolve(id);
        if (!d) {
          error = "service \"" + r.service + "\": device_ids [\"" + id + "\"]: no such GPU (" +
                  std::to_string(inventory_.size()) + " in the inventory)";
          return false;
        }
        if (std::string why = refusal(*d, r); !why.empty()) {
          error = "service \"" + r.service + "\": device_ids [\"" + id + "\"]: " + device_text(*d) +
                  " is " + why;
          return false;
        }
        chosen.push_back(d);
      }
    } else {
      std::vector<const Device*> eligible;
      std::string reasons;
      int usable = 0;
      for (const auto& d : inventory_) {
        if (d.mig) {
          continue; // only pinned MIG UUIDs reach MIG devices
        }
        ++usable;
        if (std::string why = refusal(d, r); why.empty()) {
          eligible.push_back(&d);
        } else {
          reasons += (reasons.empty() ? "" : "; ") + device_text(d) + " " + why;
        }
      }
      const int wanted = r.count < 0 ? usable : r.count;
      if (static_cast<int>(eligible.size()) < wanted || wanted == 0) {
        error = "cannot place " + who + ": needs " +
                (r.count < 0 ? std::string("every GPU") : std::to_string(wanted) + " GPU") +
                (r.mode == Mode::Exclusive ? " (exclusive)" : " (shared)") +
                (r.memory > 0 ? " with " + bytes_text(r.memory) + " each" : "") + ", " +
                std::to_string(eligible.size()) + " of " + std::to_string(usable) + " eligible" +
                (reasons.empty() ? "" : " (" + reasons + ")");
        return false;
      }
      std::sort(eligible.begin(), eligible.end(),
                [&](const Device* a, const Device* b) { return key(*a, r) < key(*b, r); });
      chosen.assign(eligible.begin(), eligible.begin() + wanted);
    }
    std::sort(chosen.begin(), chosen.end(),
              [](const Device* a, const Device* b) { return a->index < b->index; });
    for (const Device* d : chosen) {
      out.uuids.push_back(d->uuid);
      ledger_[d->uuid].push_back(Hold{who, false, r.mode, r.memory});
    }
    return true;
  }

private:
  const std::vector<Device>& inventory_;
  Ledger ledger_;
  std::uint64_t headroom_;
};

} // namespace

bool nvidia_capability(std::string_view capability) {
  return std::find(kNvidiaCapabilities.begin(), kNvidiaCapabilities.end(), capability) !=
         kNvidiaCapabilities.end();
}

std::string replica_name(const std::string& service, int replica) {
  return service + "-" + std::to_string(replica);
}

Result<std::vector<Placement>> place(const std::vector<Request>& requests,
                                     const std::vector<Device>& inventory, const Ledger& ledger,
                                     std::uint64_t headroom) {
  std::vector<std::size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  auto rank = [&](std::size_t i) {
    const Request& r = requests[i];
    const long long count = r.count < 0 ? LLONG_MAX : r.count;
    return std::make_tuple(r.ids.empty() ? 1 : 0, r.mode == Mode::Exclusive ? 0 : 1, -count,
                           -static_cast<long double>(r.memory), r.service, r.replica);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  Planner planner(inventory, ledger, headroom);
  std::vector<Placement> placements(requests.size());
  std::vector<std::string> errors;
  for (std::size_t i : order) {
    std::string error;
    if (!planner.place(requests[i], placements[i], error)) {
      errors.push_back(std::move(error));
    }
  }
  if (!errors.empty()) {
    std::string message = errors.size() == 1 ? errors.front()
                                             : "the project's GPU reservations do not fit (" +
                                                   std::to_string(errors.size()) + " problems)";
    return Error(ErrorCode::Conflict, message + "; nothing was created",
                 errors.size() == 1 ? std::vector<std::string>{} : errors);
  }
  return placements;
}

void commit(Ledger& ledger, const std::vector<Request>& requests,
            const std::vector<Placement>& placements) {
  for (std::size_t i = 0; i < placements.size() && i < requests.size(); ++i) {
    for (const auto& uuid : placements[i].uuids) {
      ledger[uuid].push_back(Hold{replica_name(requests[i].service, requests[i].replica), false,
                                  requests[i].mode, requests[i].memory});
    }
  }
}

void add_foreign(Ledger& ledger, const std::string& holder, int count,
                 const std::vector<std::string>& ids, const std::vector<Device>& inventory) {
  std::vector<const Device*> by_index;
  for (const auto& d : inventory) {
    by_index.push_back(&d);
  }
  std::sort(by_index.begin(), by_index.end(),
            [](const Device* a, const Device* b) { return a->index < b->index; });
  if (!ids.empty()) {
    for (const auto& id : ids) {
      for (const Device* d : by_index) {
        if (d->uuid == id || std::to_string(d->index) == id) {
          ledger[d->uuid].push_back(Hold{holder, true, Mode::Exclusive, 0});
        }
      }
    }
    return;
  }
  if (count < 0) {
    for (const Device* d : by_index) {
      ledger[d->uuid].push_back(Hold{holder, true, Mode::Shared, 0});
    }
    return;
  }
  for (const Device* d : by_index) {
    if (d->index < count) { // moby's countToDevices: indexes 0..count-1
      ledger[d->uuid].push_back(Hold{holder, true, Mode::Exclusive, 0});
    }
  }
}

} // namespace aic::gpu
