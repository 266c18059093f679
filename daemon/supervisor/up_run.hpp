#pragma once

#include "plan/container_config.hpp"
#include "plan/dependency_graph.hpp"
#include "plan/gpu_request.hpp"
#include "plan/reconcile.hpp"
#include "supervisor/gpu_holds.hpp"
#include "supervisor/gpu_scheduler.hpp"
#include "supervisor/project_operations.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>

namespace aic::supervisor {

/// One `up`: the state of a single run, alive until every service task it spawned has ended.
class UpRun {
public:
  UpRun(engine::DockerClient& docker, AsyncMutex& start_mutex, const LoadedInputs& project,
        proto::UpOptions options, ProgressSink progress, boost::asio::any_io_executor executor);
  /// Releases the GPU holds this run planned, however it ended.
  ~UpRun();
  UpRun(const UpRun&) = delete;
  UpRun& operator=(const UpRun&) = delete;

  /// Places GPU reservations through `gpus` (docs/gpus.md); without it, device requests go to
  /// the engine as Compose sends them.
  void use_gpus(GpuScheduler* gpus) {
    gpus_ = gpus;
    gpu_policy_ = gpus ? gpus->policy() : gpu::Policy::Spread;
  }
  /// run() validates on `pool` (without one, on the caller's thread): planning every service
  /// of a large project takes long enough to stall the io thread's other clients.
  void validate_on(boost::asio::thread_pool* pool) { validation_pool_ = pool; }
  /// Bind mounts that expose one of `paths` are refused (plan::ContainerContext::guarded_paths).
  void guard_paths(std::vector<std::string> paths) { guarded_paths_ = std::move(paths); }

  boost::asio::awaitable<Result<void>> run();
  /// Everything checked before the first engine call; run() does it too. Reads only this run
  /// and what was fixed when it was set up (no engine, no scheduler state), so it may run on
  /// any one thread while the run waits for it.
  Result<void> validate();

private:
  /// How a service's containers must be before something waits no longer.
  enum class Readiness : std::uint8_t { Started, Healthy, Completed, RunningOrHealthy };

  struct ServiceRun {
    plan::ServicePlan plan;
    std::vector<std::string> containers; ///< ids, after convergence
    std::vector<std::string> names;      ///< their names, in the same order
    std::vector<bool> needs_start;       ///< created by this run, or kept but not running
    bool created = false;
    bool done = false;
    std::optional<Error> error;
  };

  /// validate() on the validation pool, if any.
  boost::asio::awaitable<Result<void>> validate_off_thread();
  boost::asio::awaitable<Result<void>> observe();
  boost::asio::awaitable<Result<void>> ensure_images();
  /// Places every GPU reservation of the plan (all or nothing) before anything is created:
  /// kept and recreated containers keep their devices, removed ones free theirs.
  boost::asio::awaitable<Result<void>> place_gpus();
  /// Places the replicas of the current plan that have no placement yet (after replan(): those
  /// an image change turned from kept to recreated), against the ledger place_gpus() read.
  Result<void> place_missing_gpus();
  /// Reconciles again now that the images' IDs are known (a pulled or rebuilt image recreates).
  Result<void> replan();
  boost::asio::awaitable<Result<void>> ensure_networks();
  boost::asio::awaitable<Result<void>> ensure_volumes();
  boost::asio::awaitable<Result<void>> handle_orphans();
  boost::asio::awaitable<Result<void>> converge();
  boost::asio::awaitable<Result<void>> service_task(std::string service);
  boost::asio::awaitable<Result<void>> apply_step(std::string service, plan::ContainerStep step);
  boost::asio::awaitable<Result<void>> wait_dependencies(std::string service);
  boost::asio::awaitable<Result<void>> start_containers(std::string service);
  /// Waits until every container of `service` is in `readiness`; fails at once when one can no
  /// longer get there (unhealthy, exited). Reacts to the engine's events, re-inspecting at
  /// least every second in case one was missed. `completed`, when given, tells whether the
  /// service was ready by having exited 0 (a one-shot others wait on to complete).
  boost::asio::awaitable<Result<void>>
  wait_ready(std::string service, Readiness readiness,
             std::optional<std::chrono::steady_clock::time_point> deadline,
             bool* completed = nullptr);
  boost::asio::awaitable<Result<void>> remove_container(std::string id, std::string name);
  /// The container as the engine last reported it: inspected again only when an event about
  /// it arrived since, or the last inspection is a second old (an event may have been missed),
  /// so many services waiting on one dependency cost one inspection per change.
  boost::asio::awaitable<Result<engine::ContainerInspect>> inspect_current(std::string id);

  /// Whether the engine listed the container as running (or paused, restarting) at observe().
  bool observed_running(const std::string& id) const;
  Result<engine::ContainerCreate> create_request(const std::string& service, int number,
                                                 const std::string& name) const;
  void emit(std::string kind, std::string name, std::string status, std::string detail = {},
            std::string level = "info");
  void finish(const std::string& service, Result<void> result);
  /// One progress event per container of `service`.
  void emit_for(const std::string& service, const std::string& status,
                const std::string& detail = {});

  engine::DockerClient& docker_;
  AsyncMutex& start_mutex_;
  const LoadedInputs& project_;
  proto::UpOptions options_;
  ProgressSink progress_;
  boost::asio::any_io_executor executor_;
  plan::DependencyGraph graph_;
  std::vector<std::string> selected_; ///< services this up acts on, sorted
  std::map<std::string, std::string> hashes_;
  std::vector<plan::ObservedContainer> observed_;
  plan::ProjectPlan plan_;
  std::vector<plan::ServiceTarget> targets_;
  plan::ReconcileOptions reconcile_options_;
  std::map<std::string, std::string> image_ids_; ///< image name -> its ID
  std::map<std::string, ServiceRun> runs_;
  std::shared_ptr<Signal> changed_; ///< a task finished or the engine sent an event
  /// Per container id, how many engine events (other than exec_*) arrived about it.
  std::shared_ptr<std::map<std::string, std::uint64_t>> event_counts_;
  /// Container ids whose latest event (other than exec_*) is `health_status: healthy`: a
  /// service_healthy wait takes the event's word for it, without an inspection round trip.
  std::shared_ptr<std::set<std::string>> healthy_by_event_;
  struct Inspected {
    engine::ContainerInspect value;
    std::uint64_t events = 0; ///< event_counts_ when the inspection began
    std::chrono::steady_clock::time_point at;
  };
  std::map<std::string, Inspected> inspected_; ///< by container id
  GpuScheduler* gpus_ = nullptr;
  gpu::Policy gpu_policy_ = gpu::Policy::Spread; ///< the scheduler's, read when it was set
  boost::asio::thread_pool* validation_pool_ = nullptr;
  std::vector<std::string> guarded_paths_;
  /// What create_request() hands the planner, less the container's own names; see there.
  mutable std::optional<plan::ContainerContext> context_;
  std::map<std::string, plan::ServiceGpu> gpu_requests_;         ///< by service
  std::map<std::string, LabelledHold> gpu_labels_;               ///< by container id
  std::map<std::pair<std::string, int>, gpu::Placement> placed_; ///< by (service, number)
  bool planned_gpus_ = false;
  gpu::Ledger gpu_ledger_; ///< every hold, with this run's placements, once place_gpus() ran
  std::vector<gpu::Device> gpu_devices_;
  std::string gpu_inventory_detail_;
  std::uint64_t gpu_headroom_ = 0;
  std::vector<std::pair<std::string, gpu::Hold>> gpu_holds_; ///< this run's planned holds
  int api_minor_ = 41;
};

} // namespace aic::supervisor
