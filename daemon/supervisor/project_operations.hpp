#pragma once

#include "core/result.hpp"
#include "engine/docker_client.hpp"
#include "proto/project_types.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/gpu_scheduler.hpp"
#include "supervisor/project_inputs.hpp"

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::supervisor {

/// Receives the progress of a long operation, synchronously; the API layer queues it (bounded)
/// for the client. It must not throw.
using ProgressSink = std::function<void(const proto::ProgressEvent&)>;

/// One of the container lifecycle commands applied to a project's service containers.
struct ContainerAction {
  enum class Kind : std::uint8_t { Start, Stop, Restart, Kill, Pause, Unpause, Remove };
  Kind kind = Kind::Start;
  std::vector<std::string> services; ///< empty: every service
  std::optional<int> timeout_s;      ///< stop, restart; nullopt: the container's own
  std::string signal;                ///< kill; "" = SIGKILL
  bool stop_first = false;           ///< rm -s: stop running containers, then remove them
  bool volumes = false;              ///< rm -v: remove their anonymous volumes
};

/// "start" → Kind::Start …; nullopt for an unknown name. "rm" is Remove.
std::optional<ContainerAction::Kind> container_action_kind(std::string_view name);

/// What a project looks like to `down` when its files are not at hand.
struct StoredProject {
  std::optional<LoadedInputs> inputs; ///< from the state dir, when aicd has it
};

/// The lifecycle operations of Compose projects, applied through the engine: `up` (observe →
/// reconcile → create and start in dependency order, as parallel as the graph allows), `down`,
/// and the status read back from the engine's labels. Holds no per-project state: the engine's
/// labels are the truth, so a restarted aicd carries on where it stopped. One instance per
/// daemon; callers keep one operation per project at a time.
class ProjectOperations {
public:
  ProjectOperations(boost::asio::any_io_executor executor, engine::DockerClient& docker);

  /// `up` places GPU reservations through `gpus` (docs/gpus.md); without one (nullptr, the
  /// default) device requests reach the engine as Compose sends them.
  void set_gpu_scheduler(GpuScheduler* gpus) { gpus_ = gpus; }
  GpuScheduler* gpu_scheduler() const { return gpus_; }

  /// Host paths no bind mount of `up` or `run` may expose (plan::ContainerContext::guarded_paths):
  /// the Docker engine's socket, aicd's own. Empty (the default) allows every bind.
  void set_guarded_paths(std::vector<std::string> paths) { guarded_paths_ = std::move(paths); }
  const std::vector<std::string>& guarded_paths() const { return guarded_paths_; }

  /// `up` plans (validates) on `pool` rather than the io thread (without one, the default, on
  /// the caller's thread).
  void set_blocking_pool(boost::asio::thread_pool* pool) { blocking_ = pool; }

  /// The checks `up` makes before its first engine call (unsupported keys, values the engine
  /// cannot take, options naming unknown services), for callers that act only on a valid
  /// project (aicd saves the desired state only then). Reads only what is fixed at start (the
  /// guarded paths, the scheduler's policy), so any thread may call it: a project of thousands
  /// of services takes long enough to plan that aicd does it on its blocking pool.
  Result<void> validate_up(const LoadedInputs& project, const proto::UpOptions& options);

  /// Brings the project to the declared state. Validates everything (unsupported keys, values
  /// the engine cannot take, unknown services in options) before the first engine call.
  boost::asio::awaitable<Result<void>> up(const LoadedInputs& project, proto::UpOptions options,
                                          ProgressSink progress);

  /// Stops and removes the project's containers in reverse dependency order, then its networks
  /// (and volumes with `volumes`, images with `rmi`). `stored` gives the model, when known, for
  /// `--rmi` and to tell orphans apart; without it every container of the project goes.
  boost::asio::awaitable<Result<void>> down(std::string project, proto::DownOptions options,
                                            const std::optional<LoadedInputs>& stored,
                                            ProgressSink progress);

  /// Stops the project's running containers, dependents before their dependencies.
  boost::asio::awaitable<Result<void>> stop(std::string project, std::optional<int> timeout_s,
                                            ProgressSink progress);

  /// Applies `action` to the project's service containers (one-off containers are left alone):
  /// start, restart and unpause in dependency order (start waits for service_healthy and
  /// service_completed_successfully dependencies), the others dependents first. Only
  /// containers in a state the action applies to are touched (stop: running ones; rm: stopped
  /// ones, unless stop_first). A service named that has no container is NotFound.
  boost::asio::awaitable<Result<void>> act(std::string project, ContainerAction action,
                                           ProgressSink progress);

  /// The project's containers as the engine reports them; NotFound when it has none.
  boost::asio::awaitable<Result<proto::ProjectStatus>> status(std::string project);

  /// Every project that has containers (by the Compose project label), sorted by name.
  boost::asio::awaitable<Result<std::vector<proto::ProjectStatus>>> list();

private:
  /// Polls a dependency of `start` until `condition` holds (or it never can).
  boost::asio::awaitable<Result<void>> wait_condition(std::string id, std::string name,
                                                      std::string condition);

  engine::DockerClient& docker_;
  /// The engine allocates published port ranges non-atomically, so starts are serialised
  /// daemon-wide, as Compose does.
  AsyncMutex start_mutex_;
  boost::asio::any_io_executor start_mutex_executor_;
  GpuScheduler* gpus_ = nullptr;
  boost::asio::thread_pool* blocking_ = nullptr;
  std::vector<std::string> guarded_paths_;
};

/// "running(2), exited(1)": states counted, as `docker compose ls` prints them.
std::string summarize_states(const std::vector<proto::ContainerStatus>& containers);

/// The health word in the engine's status text: "Up 3 s (healthy)" → "healthy".
std::string health_from_status(std::string_view status);

} // namespace aic::supervisor
