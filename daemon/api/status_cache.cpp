#include "api/status_cache.hpp"

namespace aic::api {

namespace asio = boost::asio;

StatusCache::StatusCache(asio::any_io_executor executor, const events::EventHub* hub, Epoch epoch,
                         std::chrono::milliseconds max_age, Clock clock)
    : executor_(std::move(executor)), hub_(hub), epoch_(std::move(epoch)), max_age_(max_age),
      clock_(std::move(clock)) {
  if (hub_ != nullptr) {
    cursor_ = hub_->last_id();
  }
}

std::chrono::steady_clock::time_point StatusCache::now() const {
  return clock_ ? clock_() : std::chrono::steady_clock::now();
}

void StatusCache::invalidate(const std::string& project) {
  ++generations_[project];
}

void StatusCache::catch_up() {
  if (hub_ == nullptr) {
    return;
  }
  while (cursor_ < hub_->last_id()) {
    events::EventBatch batch = hub_->read_after(cursor_, {}, 1024);
    if (batch.lost > 0 || batch.unknown_id) {
      ++all_generation_;
    }
    for (const auto& e : batch.events) {
      // Healthchecks run as execs: events that change nothing a status shows.
      if (!(e.type == "container" && e.action.starts_with("exec_"))) {
        invalidate(e.project);
      }
    }
    if (batch.cursor <= cursor_) {
      break;
    }
    cursor_ = batch.cursor;
  }
}

asio::awaitable<Result<proto::ProjectStatus>> StatusCache::get(std::string project, Fetch fetch) {
  std::uint64_t waited_for = 0; // the engine call this request waited for, if any
  for (;;) {
    catch_up();
    const std::uint64_t generation = generations_[project] + all_generation_;
    const std::int64_t current_epoch = epoch();
    auto found = entries_.find(project);
    if (found != entries_.end()) {
      Entry& e = found->second;
      if (e.result && e.call == waited_for && waited_for != 0 && !e.keep) {
        co_return *e.result; // this request's own call failed: its error, once
      }
      if (e.result && e.keep && e.generation == generation && e.epoch == current_epoch &&
          now() - e.at < max_age_) {
        co_return *e.result;
      }
      if (e.fetching) {
        std::shared_ptr<supervisor::Signal> done = e.done;
        waited_for = e.call;
        co_await done->wait(std::chrono::seconds(5));
        continue;
      }
    }
    if (found == entries_.end() && entries_.size() >= kMaxProjects) {
      entries_.clear(); // a bound, not an expected case: every entry is cheap to refetch
    }
    Entry& e = entries_[project];
    e.fetching = true;
    e.call = ++fetches_;
    e.done = std::make_shared<supervisor::Signal>(executor_);
    std::shared_ptr<supervisor::Signal> done = e.done;
    const std::uint64_t call = e.call;
    const auto started = now();
    Result<proto::ProjectStatus> result = co_await fetch(project);
    Entry& after = entries_[project]; // std::map: the reference is stable, but it may be new
    after.fetching = false;
    after.call = call;
    after.result = std::make_shared<Result<proto::ProjectStatus>>(result);
    after.keep = result || result.error().code() == ErrorCode::NotFound;
    after.generation = generation;
    after.epoch = current_epoch;
    after.at = started;
    done->notify_all();
    co_return result;
  }
}

} // namespace aic::api
