#pragma once

// GPU placement (docs: ../shared/reference/gpu-scheduling.md part A, section 4): which concrete
// devices each service replica's reservation gets, against an inventory and a ledger of what is
// already held. Pure: no engine, no NVML; the whole project is placed or nothing is.

#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aic::gpu {

/// One physical GPU (or MIG instance) as the inventory reports it.
struct Device {
  std::string uuid; ///< "GPU-…" or "MIG-…"
  int index = 0;
  std::string name;
  std::uint64_t total_bytes = 0;
  bool mig = false; ///< MIG enabled: only reachable through pinned device_ids
  bool healthy = true;
  std::uint64_t used_bytes = 0; ///< observed by the probe; advisory, never used to place
  int utilization = -1;         ///< percent busy over the last sample; -1 unknown
};

enum class Mode : std::uint8_t { Exclusive, Shared };
enum class Policy : std::uint8_t { Spread, Binpack };

/// Who holds a device, and how.
struct Hold {
  std::string holder;   ///< "demo-api-1", or a foreign container's name
  bool foreign = false; ///< a container aic did not create
  Mode mode = Mode::Exclusive;
  std::uint64_t memory = 0; ///< bytes reserved on the device (shared holds)

  bool operator==(const Hold&) const = default;
};

/// Holds by device UUID.
using Ledger = std::map<std::string, std::vector<Hold>>;

/// One replica's device reservation.
struct Request {
  std::string service;
  int replica = 1;
  int count = 0;                ///< > 0, -1 for all, 0 when ids are given
  std::vector<std::string> ids; ///< device_ids: indexes, UUIDs or unique UUID prefixes
  std::uint64_t memory = 0;     ///< bytes needed per device; 0 = unspecified
  Mode mode = Mode::Exclusive;
  Policy policy = Policy::Spread;
  bool optional = false; ///< may run without a GPU when none exists
  std::string driver;    ///< "" or "nvidia"
  std::vector<std::string> capabilities;
  /// UUIDs this replica held before (a recreated container): taken first while eligible.
  std::vector<std::string> prefer;
};

/// Where one replica goes.
struct Placement {
  std::string service;
  int replica = 1;
  std::vector<std::string> uuids; ///< in device index order; empty with on_cpu
  bool on_cpu = false;            ///< optional request on a machine without GPUs

  bool operator==(const Placement&) const = default;
};

/// Whether moby's nvidia device driver provides `capability` (gpu, nvidia, compute, utility,
/// graphics, video, display, compat32).
bool nvidia_capability(std::string_view capability);

/// "<project-less holder name>": `<service>-<replica>`, as messages and planned holds name it.
std::string replica_name(const std::string& service, int replica);

/// Places every request (pinned ones first, then exclusive before shared, larger counts and
/// memory first) against `inventory` and `ledger`, keeping `headroom` bytes free per device.
/// All or nothing: on failure the error lists every request that does not fit, with why, and
/// the ledger is untouched. Placements come back in the order of the requests given.
Result<std::vector<Placement>> place(const std::vector<Request>& requests,
                                     const std::vector<Device>& inventory, const Ledger& ledger,
                                     std::uint64_t headroom = 0);

/// Adds the holds `placements` make (mode and memory from their requests) to `ledger`.
void commit(Ledger& ledger, const std::vector<Request>& requests,
            const std::vector<Placement>& placements);

/// Records what a container aic did not create holds, as the engine assigns it: `count` -1 (all)
/// is a shared hold on every device; a count n takes the n lowest indexes (moby's countToDevices);
/// ids are held exclusively.
void add_foreign(Ledger& ledger, const std::string& holder, int count,
                 const std::vector<std::string>& ids, const std::vector<Device>& inventory);

} // namespace aic::gpu
