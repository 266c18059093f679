#pragma once

#include "engine/docker_client.hpp"
#include "events/event_hub.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

namespace aic::events {

/// The project event for an engine event about a Compose project's container: the engine's
/// action and time, the project and service from the Compose labels, the container's name, and
/// the attributes without the com.docker.compose.* labels (as `docker compose events` shows
/// them). nullopt for anything else: other types, containers without a project label, one-off
/// (`run`) containers, which Compose's events leave out too.
std::optional<proto::ProjectEvent> project_event_from_engine(const engine::EngineEvent& event);

struct EngineEventSourceOptions {
  /// Pause before opening a new stream after one gave up (the stream itself already retried
  /// with its own backoff); doubles per consecutive failure up to the max, jittered.
  std::chrono::milliseconds min_restart_delay{1'000};
  std::chrono::milliseconds max_restart_delay{30'000};
  /// (level, message): "info", "warning", "error".
  std::function<void(std::string_view, std::string_view)> log;
};

/// Keeps one engine event stream open for aicd's whole run (container events of every Compose
/// project) and publishes each event as a project event. When the stream gives up (the engine
/// is gone longer than its reconnects last), a new one is opened after a backoff, asking for
/// the events since the newest one seen, as far as the engine still has them.
/// Thread: the io_context of `docker`; `docker` and `hub` outlive it.
class EngineEventSource {
public:
  EngineEventSource(boost::asio::any_io_executor executor, engine::DockerClient& docker,
                    EventHub& hub, EngineEventSourceOptions options = {});
  /// stop()s; the reading coroutine ends on its own shortly after.
  ~EngineEventSource();
  EngineEventSource(const EngineEventSource&) = delete;
  EngineEventSource& operator=(const EngineEventSource&) = delete;

  /// Starts reading (once).
  void start();
  /// Closes the stream and ends the reading; idempotent.
  void stop();
  /// True while the reading coroutine runs.
  bool running() const;
  /// Streams opened so far (1 + restarts after a give-up).
  int streams_opened() const;
  /// Connections to the engine's event endpoint so far, over every stream: when it grows, events
  /// may have been missed (the engine restarted, say), so whoever tracks state re-lists.
  int connections() const;
  /// When the engine's event stream last dropped (unix nanoseconds); 0 while it never did.
  std::int64_t last_drop_ns() const;

private:
  struct State;
  std::shared_ptr<State> state_;
};

} // namespace aic::events
