#pragma once

#include "proto/project_event.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace aic::events {

/// Which events a subscriber wants; an empty field matches everything.
struct EventFilter {
  std::string project;
  std::set<std::string> types;
  std::set<std::string> services; ///< also matches events without a service (project-wide)

  bool matches(const proto::ProjectEvent& event) const;
};

/// What EventHub::read_after found.
struct EventBatch {
  std::vector<proto::ProjectEvent> events; ///< the matching events, oldest first
  /// Events published after the requested id that the ring dropped before they could be read
  /// (of every project: for a filtered read, an upper bound of what it missed).
  std::uint64_t lost = 0;
  /// The requested id is newer than any of this run: it came from before aicd restarted. The
  /// batch starts at the oldest buffered event, and how many were lost is unknown.
  bool unknown_id = false;
  /// Every event up to this id has been looked at: the `after` of the next read.
  std::uint64_t cursor = 0;
};

/// aicd's recent project events, for the event stream: a bounded ring of the newest `capacity`
/// events with ids 1, 2, 3, … (never repeated within one run). Subscribers keep only a cursor
/// (the last id they sent) and read from the ring, so a slow one costs nothing; one that falls
/// further behind than the ring learns how many it lost. Publishing never waits.
/// Thread: one io_context thread only (publish, read and wait alike).
class EventHub {
public:
  static constexpr std::size_t kDefaultCapacity = 4096;
  /// Bounds of one event, so the ring's memory is bounded: longer values are cut.
  static constexpr std::size_t kMaxAttributes = 64;
  static constexpr std::size_t kMaxValueBytes = 4096;

  /// Unix nanoseconds now; stamps events published without a time.
  using Clock = std::function<std::int64_t()>;

  explicit EventHub(boost::asio::any_io_executor executor, std::size_t capacity = kDefaultCapacity,
                    Clock clock = {});
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  /// Appends `event` with the next id (and the current time when its time_ns is 0), dropping
  /// the oldest event when the ring is full, and wakes the waiting subscribers. Returns the id.
  std::uint64_t publish(proto::ProjectEvent event);

  /// The matching events with an id above `after`, at most `max_events` of them.
  EventBatch read_after(std::uint64_t after, const EventFilter& filter,
                        std::size_t max_events) const;

  /// Returns once an event newer than `after` exists, after `timeout`, or at once when closed.
  boost::asio::awaitable<void> wait(std::uint64_t after, std::chrono::milliseconds timeout);

  /// Wakes every waiter; later waits return at once (shutdown).
  void close();
  bool closed() const { return closed_; }

  /// The id of the newest event; 0 before the first. Also the number published so far.
  std::uint64_t last_id() const { return next_id_ - 1; }
  /// The id of the oldest buffered event; 0 when none is.
  std::uint64_t oldest_id() const { return ring_.empty() ? 0 : ring_.front().id; }
  std::size_t size() const { return ring_.size(); }
  std::size_t capacity() const { return capacity_; }

private:
  void wake();

  boost::asio::any_io_executor executor_;
  std::size_t capacity_;
  Clock clock_;
  std::deque<proto::ProjectEvent> ring_; // ids consecutive, oldest first
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
  std::vector<std::weak_ptr<boost::asio::steady_timer>> waiters_;
};

/// An event of type "operation": action "<operation> <phase>", with attributes.error when
/// `error` is not empty.
proto::ProjectEvent operation_event(std::string project, std::string_view operation,
                                    std::string_view phase, std::string error = {});

} // namespace aic::events
