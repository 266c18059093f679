#pragma once

// What GET /v1/projects/{p} answers, kept between requests: the engine lists a project's
// containers at most once per change (docs/performance.md), however many clients poll.

#include "core/result.hpp"
#include "events/event_hub.hpp"
#include "proto/project_types.hpp"
#include "supervisor/async_sync.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace aic::api {

/// A project's status as last listed from the engine, reused until something could have changed
/// it: any event of the project on the hub (container events except healthcheck execs,
/// operations, supervision), a lost event (the ring overflowed), a new engine event connection
/// or drop (`epoch` changes), or `max_age` (the engine's "Up 3 seconds" text ages). Concurrent
/// requests for a project share one engine call. Successes and NotFound are kept; other errors
/// reach only the requests that waited for that call. Thread: one io_context thread.
class StatusCache {
public:
  using Fetch =
      std::function<boost::asio::awaitable<Result<proto::ProjectStatus>>(const std::string&)>;
  /// Changes whenever events may have been missed (aicd: the engine event source's connection
  /// count and last drop); empty: never.
  using Epoch = std::function<std::int64_t()>;
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  static constexpr std::size_t kMaxProjects = 1024;

  StatusCache(boost::asio::any_io_executor executor, const events::EventHub* hub, Epoch epoch,
              std::chrono::milliseconds max_age = std::chrono::seconds(1), Clock clock = {});

  /// The status of `project`, from the cache when still valid, else from `fetch`.
  boost::asio::awaitable<Result<proto::ProjectStatus>> get(std::string project, Fetch fetch);

  /// Forgets `project` (its next get() asks the engine).
  void invalidate(const std::string& project);

  /// Engine calls made so far (for tests and /metrics).
  std::uint64_t fetches() const { return fetches_; }

private:
  struct Entry {
    std::shared_ptr<Result<proto::ProjectStatus>> result;
    bool keep = false;            ///< a success or NotFound: valid for later requests
    std::uint64_t generation = 0; ///< generations_[project] when the call began
    std::int64_t epoch = 0;
    std::chrono::steady_clock::time_point at;
    std::uint64_t call = 0; ///< which engine call produced `result`
    bool fetching = false;
    std::shared_ptr<supervisor::Signal> done; ///< notified when the call in flight ends
  };

  /// Applies the hub's events since the last look.
  void catch_up();
  std::chrono::steady_clock::time_point now() const;
  std::int64_t epoch() const { return epoch_ ? epoch_() : 0; }

  boost::asio::any_io_executor executor_;
  const events::EventHub* hub_;
  Epoch epoch_;
  std::chrono::milliseconds max_age_;
  Clock clock_;
  std::uint64_t cursor_ = 0; ///< hub events up to this id are applied
  std::uint64_t all_generation_ = 0;
  std::map<std::string, std::uint64_t> generations_;
  std::map<std::string, Entry> entries_;
  std::uint64_t fetches_ = 0;
};

} // namespace aic::api
