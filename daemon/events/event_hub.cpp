#include "events/event_hub.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cassert>

namespace aic::events {

namespace asio = boost::asio;

namespace {

std::int64_t system_now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void cut(std::string& value) {
  if (value.size() > EventHub::kMaxValueBytes) {
    value.resize(EventHub::kMaxValueBytes);
  }
}

} // namespace

bool EventFilter::matches(const proto::ProjectEvent& event) const {
  if (!project.empty() && event.project != project) {
    return false;
  }
  if (!types.empty() && types.count(event.type) == 0) {
    return false;
  }
  return services.empty() || event.service.empty() || services.count(event.service) != 0;
}

EventHub::EventHub(asio::any_io_executor executor, std::size_t capacity, Clock clock)
    : executor_(std::move(executor)), capacity_(std::max<std::size_t>(capacity, 1)),
      clock_(clock ? std::move(clock) : Clock(system_now_ns)) {}

std::uint64_t EventHub::publish(proto::ProjectEvent event) {
  event.id = next_id_++;
  if (event.time_ns == 0) {
    event.time_ns = clock_();
  }
  for (std::string* field : {&event.project, &event.type, &event.action, &event.service,
                             &event.container, &event.container_id}) {
    cut(*field);
  }
  while (event.attributes.size() > kMaxAttributes) {
    event.attributes.erase(std::prev(event.attributes.end()));
  }
  for (auto& [key, value] : event.attributes) {
    cut(value);
  }
  if (ring_.size() >= capacity_) {
    ring_.pop_front();
  }
  const std::uint64_t id = event.id;
  ring_.push_back(std::move(event));
  wake();
  return id;
}

EventBatch EventHub::read_after(std::uint64_t after, const EventFilter& filter,
                                std::size_t max_events) const {
  EventBatch batch;
  batch.cursor = after;
  if (after > last_id()) {
    batch.unknown_id = true;
    after = ring_.empty() ? last_id() : oldest_id() - 1;
    batch.cursor = after;
  }
  if (ring_.empty()) {
    return batch;
  }
  std::size_t index = 0;
  if (after + 1 < oldest_id()) {
    batch.lost = batch.unknown_id ? 0 : oldest_id() - after - 1;
  } else {
    index = static_cast<std::size_t>(after + 1 - oldest_id());
  }
  for (; index < ring_.size(); ++index) {
    const proto::ProjectEvent& event = ring_[index];
    assert(event.id > after && "ring ids are consecutive");
    if (filter.matches(event)) {
      if (batch.events.size() >= max_events) {
        break;
      }
      batch.events.push_back(event);
    }
    batch.cursor = event.id;
  }
  return batch;
}

asio::awaitable<void> EventHub::wait(std::uint64_t after, std::chrono::milliseconds timeout) {
  if (closed_ || last_id() > after) {
    co_return;
  }
  auto timer = std::make_shared<asio::steady_timer>(executor_);
  timer->expires_after(timeout);
  // Waits that timed out leave expired entries: drop them, so the list stays as long as the
  // number of subscribers.
  std::erase_if(waiters_, [](const std::weak_ptr<asio::steady_timer>& w) { return w.expired(); });
  waiters_.push_back(timer);
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ec;
}

void EventHub::wake() {
  for (auto& w : waiters_) {
    if (auto timer = w.lock()) {
      timer->cancel();
    }
  }
  waiters_.clear();
}

void EventHub::close() {
  closed_ = true;
  wake();
}

proto::ProjectEvent operation_event(std::string project, std::string_view operation,
                                    std::string_view phase, std::string error) {
  proto::ProjectEvent event;
  event.project = std::move(project);
  event.type = std::string(proto::event_type::kOperation);
  event.action = std::string(operation) + " " + std::string(phase);
  if (!error.empty()) {
    event.attributes["error"] = std::move(error);
  }
  return event;
}

} // namespace aic::events
