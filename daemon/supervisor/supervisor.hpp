#pragma once

// aicd's supervision of the projects it runs (docs/supervision.md): it watches the engine's
// container events and re-lists periodically, feeds what it sees to the pure decisions of
// health::ProjectSupervision (one per project), carries out the restarts they hand out, and
// records every restart (state dir, event stream, metrics, `aic ps`).

#include "engine/docker_client.hpp"
#include "events/event_hub.hpp"
#include "proto/project_types.hpp"
#include "store/project_store.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>

namespace aic::supervisor {

struct SupervisorOptions {
  /// How often every supervised project is re-listed, so a missed event or an engine that came
  /// back unnoticed never leaves aicd blind for longer.
  std::chrono::milliseconds resync_interval{10'000};
  /// After aicd was blind (engine restarted, stream reconnected, aicd itself down), containers
  /// that start up to this long after it sees the engine again still count as started unwatched.
  std::chrono::milliseconds settle{30'000};
  /// (level, message): "info", "warning", "error".
  std::function<void(std::string_view, std::string_view)> log;
  /// Connections made so far to the engine's event stream (EngineEventSource::connections);
  /// growth means events may have been missed.
  std::function<int()> event_connections;
  /// When the engine's event stream last dropped, unix nanoseconds, 0 when never
  /// (EngineEventSource::last_drop_ns).
  std::function<std::int64_t()> event_stream_dropped_ns;
  /// Each restart recorded, for metrics.
  std::function<void(const std::string& project, const proto::RestartRecord&)> on_restart;
};

/// Supervises every project whose `up` inputs are in the project store. Thread: the io_context
/// of `docker`; everything passed in outlives it. `busy` is the set of projects with a user's
/// operation in progress: aicd does not act on those (it re-checks after they end).
class Supervisor {
public:
  Supervisor(boost::asio::any_io_executor executor, engine::DockerClient& docker,
             events::EventHub& hub, const store::ProjectStore& inputs, store::ProjectStore& records,
             boost::asio::thread_pool& blocking, const std::set<std::string>& busy,
             SupervisorOptions options = {});
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Loads the supervised projects and starts watching (once). Events published to the hub
  /// from now on are seen.
  void start();
  /// Ends the watching; restarts in flight finish on their own.
  void stop();

  /// Adds the restart counts and the per-service supervision state to a project's status.
  void fill(proto::ProjectStatus& status) const;
  /// Whether aicd is restarting one of the project's containers right now.
  bool acting(const std::string& project) const;
  /// Returns once no restart of aicd's is in flight for the project, or after `timeout`.
  boost::asio::awaitable<void> wait_idle(std::string project, std::chrono::milliseconds timeout);
  /// Services marked failed (budget spent), over every project.
  int failed_services() const;

private:
  struct State;
  std::shared_ptr<State> state_;
};

} // namespace aic::supervisor
