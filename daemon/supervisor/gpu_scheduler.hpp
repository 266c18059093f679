#pragma once

// aicd's GPU ledger at run time (docs/gpus.md): the inventory (probed off the io_context, again
// every `refresh`), the holds read back from the engine (aicd's containers by their labels,
// other containers by their DeviceRequests, each inspected once), the holds of `up`s still
// creating their containers, and the "gpu" events on the event hub.

#include "core/result.hpp"
#include "engine/docker_client.hpp"
#include "events/event_hub.hpp"
#include "gpu/allocator.hpp"
#include "gpu/inventory.hpp"
#include "proto/gpu_types.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aic::supervisor {

struct GpuSchedulerOptions {
  gpu::InventoryConfig inventory;
  gpu::Policy policy = gpu::Policy::Spread; ///< the daemon's default (--gpu-policy)
  std::chrono::milliseconds refresh{std::chrono::seconds(30)};
  std::function<void(std::string_view level, std::string_view message)> log;
};

/// Every hold on the machine at one moment.
struct GpuSnapshot {
  gpu::Inventory inventory;
  gpu::Ledger ledger;
  std::map<std::string, proto::GpuHolder> holders; ///< by container name
};

class GpuScheduler {
public:
  GpuScheduler(boost::asio::any_io_executor executor, engine::DockerClient& docker,
               boost::asio::thread_pool& blocking, events::EventHub* hub,
               GpuSchedulerOptions options);
  ~GpuScheduler();
  GpuScheduler(const GpuScheduler&) = delete;
  GpuScheduler& operator=(const GpuScheduler&) = delete;

  /// Probes the inventory now (on the blocking pool) and logs what it found. The configured
  /// inventory file failing to load is an error; a machine without GPUs is not.
  boost::asio::awaitable<Result<void>> probe();
  /// Refreshes the inventory and the holds every `refresh`, and turns container events of
  /// GPU-holding containers into "gpu" events. Call after a first probe().
  void start();
  void stop();

  gpu::Policy policy() const;
  /// The inventory and every hold now: aicd's containers (any state) by label, running
  /// containers of others by their requests, and the planned holds of `up`s in flight other
  /// than `project`'s.
  boost::asio::awaitable<Result<GpuSnapshot>> observe(std::string project = {});

  /// Holds an `up` placed for containers it has not created yet: other `up`s count them until
  /// release_planned(project).
  void hold_planned(const std::string& project,
                    std::vector<std::pair<std::string, gpu::Hold>> holds);
  void release_planned(const std::string& project);

  /// GET /v1/gpus.
  boost::asio::awaitable<Result<proto::GpuStatus>> status();
  /// The last status built (by status() or the periodic refresh), for /metrics: no engine call.
  proto::GpuStatus last_status() const;

private:
  struct State;
  std::shared_ptr<State> state_;
};

/// The status document for `snapshot`: devices in index order with their holders, reserved
/// memory summed, and warnings for holds on UUIDs the inventory lacks.
proto::GpuStatus gpu_status(const GpuSnapshot& snapshot, gpu::Policy policy);

} // namespace aic::supervisor
