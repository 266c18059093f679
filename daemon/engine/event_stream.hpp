#pragma once

#include "core/result.hpp"
#include "engine/http_transport.hpp"
#include "engine/json_stream.hpp"
#include "engine/system_types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace aic::engine {

class DockerClient;

struct EventFilter {
  std::vector<std::string> types;  ///< container, network, volume, image, ...
  std::vector<std::string> labels; ///< "com.docker.compose.project=demo"
  std::vector<std::string> events; ///< actions: start, die, health_status, ...
  /// Replay events from this moment (nanoseconds since the epoch); 0 = from the moment
  /// DockerClient::events() was called, so the stream may be read after acting.
  std::int64_t since_ns = 0;
};

/// GET /events as an endless sequence: when the connection drops it reconnects (with a capped,
/// jittered backoff) asking for events since one second before the newest it delivered, and
/// skips those it already delivered (it remembers the last kRememberedEvents), so a short drop
/// loses and repeats nothing. The engine itself keeps only a short history (events from before
/// an engine restart are gone), so a caller that must not miss state changes re-lists when
/// connections() grows, as Compose does.
class EventStream {
public:
  static constexpr std::size_t kRememberedEvents = 4096;

  EventStream(DockerClient& client, EventFilter filter);

  /// The next event. Fails only after max_event_reconnects consecutive failed reconnects, or
  /// when closed. close() makes a pending next() return; destroy the stream only after that.
  boost::asio::awaitable<Result<EngineEvent>> next();
  void close();
  /// Connections made so far (1 + reconnects).
  int connections() const { return connections_; }
  /// When the connection last dropped (unix nanoseconds); 0 while it never did. Events from
  /// then until the next connection may have been missed when the engine restarted meanwhile.
  std::int64_t dropped_at_ns() const { return dropped_at_ns_; }

private:
  boost::asio::awaitable<Result<void>> connect();
  /// False when the event was delivered before (a replay); otherwise records it.
  bool remember(const EngineEvent& event);

  DockerClient& client_;
  EventFilter filter_;
  std::unique_ptr<HttpStream> http_;
  JsonObjectSplitter splitter_;
  std::deque<EngineEvent> pending_;
  std::int64_t start_ns_ = 0;      // the subscription's start: never replay from before it
  std::int64_t last_time_ns_ = 0;  // the newest event delivered
  std::deque<std::string> recent_; // keys of the last kRememberedEvents events, oldest first
  std::set<std::string> recent_set_;
  boost::asio::steady_timer* backoff_ = nullptr; // while waiting to reconnect
  int connections_ = 0;
  std::int64_t dropped_at_ns_ = 0;
  bool closed_ = false;
};

} // namespace aic::engine
