#include "engine/event_stream.hpp"

#include "engine/docker_client.hpp"
#include "engine/query.hpp"
#include "engine/wire.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <iomanip>
#include <random>
#include <sstream>

namespace aic::engine {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

/// Events can be hours apart; an event stream has no idle timeout of its own.
constexpr milliseconds kNoIdleTimeout{0};
constexpr milliseconds kFirstReconnectDelay{100};
constexpr milliseconds kMaxReconnectDelay{5'000};
/// A reconnect asks for events from this long before the newest one delivered, to catch events
/// the engine published late (out of time order) before the connection dropped.
constexpr std::chrono::nanoseconds kReplayWindow = std::chrono::seconds(1);

/// "1700000000.123456789", the form the engine reads in `since`.
std::string unix_nanos(std::int64_t ns) {
  std::ostringstream out;
  out << ns / 1'000'000'000 << '.' << std::setw(9) << std::setfill('0') << ns % 1'000'000'000;
  return out.str();
}

std::string event_key(const EngineEvent& e) {
  return std::to_string(e.time_ns) + '|' + e.type + '|' + e.action + '|' + e.actor_id;
}

} // namespace

EventStream::EventStream(DockerClient& client, EventFilter filter)
    : client_(client), filter_(std::move(filter)), last_time_ns_(filter_.since_ns) {
  if (last_time_ns_ == 0) {
    // "From now" means from the moment the caller subscribed, not from the first next(): events
    // of what the caller does in between are delivered, and a reconnect replays from here.
    last_time_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  }
  start_ns_ = last_time_ns_;
}

void EventStream::close() {
  closed_ = true;
  if (http_) {
    http_->close();
  }
  if (backoff_ != nullptr) {
    backoff_->cancel();
  }
}

bool EventStream::remember(const EngineEvent& event) {
  std::string key = event_key(event);
  if (recent_set_.count(key) != 0) {
    return false;
  }
  recent_.push_back(key);
  recent_set_.insert(std::move(key));
  if (recent_.size() > kRememberedEvents) {
    recent_set_.erase(recent_.front());
    recent_.pop_front();
  }
  last_time_ns_ = std::max(last_time_ns_, event.time_ns);
  return true;
}

asio::awaitable<Result<void>> EventStream::connect() {
  Filters filters;
  if (!filter_.types.empty()) {
    filters["type"] = filter_.types;
  }
  if (!filter_.labels.empty()) {
    filters["label"] = filter_.labels;
  }
  if (!filter_.events.empty()) {
    filters["event"] = filter_.events;
  }
  Query query;
  query.add("since", unix_nanos(std::max(start_ns_, last_time_ns_ - kReplayWindow.count())));
  query.add_filters(filters);
  DockerClient::Call call("GET", "/events" + query.str());
  auto opened = co_await client_.open(std::move(call), false);
  if (!opened) {
    co_return std::move(opened).error();
  }
  http_ = std::move(*opened);
  splitter_ = JsonObjectSplitter();
  ++connections_;
  co_return Result<void>{};
}

asio::awaitable<Result<EngineEvent>> EventStream::next() {
  int failures = 0;
  milliseconds delay = kFirstReconnectDelay;
  std::minstd_rand jitter(
      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (;;) {
    if (closed_) {
      co_return Error(ErrorCode::Internal, "event stream closed");
    }
    if (!pending_.empty()) {
      EngineEvent event = std::move(pending_.front());
      pending_.pop_front();
      co_return event;
    }
    std::optional<Error> failure;
    if (!http_) {
      auto connected = co_await connect();
      if (!connected) {
        failure = std::move(connected).error();
      } else if (closed_) {
        http_->close();
        co_return Error(ErrorCode::Internal, "event stream closed");
      }
    }
    if (!failure) {
      auto piece = co_await http_->read(kNoIdleTimeout);
      if (piece && piece->has_value()) {
        std::vector<std::string> objects;
        if (auto fed = splitter_.feed(**piece, objects); !fed) {
          failure = std::move(fed).error();
        }
        for (const auto& text : objects) {
          auto event = decode_engine_event(text);
          if (!event) {
            failure = std::move(event).error();
            break;
          }
          // A reconnect replays a window of events; skip the ones already delivered. Live
          // events are never filtered by time: the engine may publish them slightly out of
          // order.
          if (!remember(*event)) {
            continue;
          }
          pending_.push_back(std::move(*event));
        }
        if (!failure) {
          failures = 0;
          delay = kFirstReconnectDelay;
          continue;
        }
      } else if (piece) {
        failure = Error(ErrorCode::EngineUnavailable, "the engine ended the event stream");
      } else {
        failure = std::move(piece).error();
      }
    }
    if (closed_) {
      co_return Error(ErrorCode::Internal, "event stream closed");
    }
    // Drop the connection and come back after a jittered, capped backoff.
    if (failures == 0) { // the first failure since the stream last worked
      dropped_at_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
    }
    http_.reset();
    if (++failures > client_.options().max_event_reconnects) {
      co_return std::move(*failure).with_context("following engine events");
    }
    const auto jittered = milliseconds(
        delay.count() / 2 +
        static_cast<std::int64_t>(jitter() % static_cast<unsigned>(delay.count() / 2 + 1)));
    asio::steady_timer timer(co_await asio::this_coro::executor, jittered);
    backoff_ = &timer; // close() cancels the wait
    co_await timer.async_wait(boost::asio::as_tuple(asio::use_awaitable));
    backoff_ = nullptr;
    delay = std::min(delay * 2, kMaxReconnectDelay);
  }
}

} // namespace aic::engine
