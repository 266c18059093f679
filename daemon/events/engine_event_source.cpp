#include "events/engine_event_source.hpp"

#include "plan/naming.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

namespace aic::events {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kComposeLabelPrefix = "com.docker.compose.";

} // namespace

std::optional<proto::ProjectEvent> project_event_from_engine(const engine::EngineEvent& event) {
  if (event.type != proto::event_type::kContainer) {
    return std::nullopt;
  }
  std::string project = plan::label_value(event.attributes, plan::label::kProject);
  if (project.empty() || plan::label_value(event.attributes, plan::label::kOneoff) == "True") {
    return std::nullopt;
  }
  proto::ProjectEvent out;
  out.time_ns = event.time_ns;
  out.project = std::move(project);
  out.type = std::string(proto::event_type::kContainer);
  out.action = event.action;
  out.service = plan::label_value(event.attributes, plan::label::kService);
  out.container = plan::label_value(event.attributes, "name");
  out.container_id = event.actor_id;
  for (const auto& [key, value] : event.attributes) {
    if (key.rfind(kComposeLabelPrefix, 0) != 0) {
      out.attributes.emplace(key, value);
    }
  }
  return out;
}

struct EngineEventSource::State {
  State(asio::any_io_executor ex, engine::DockerClient& d, EventHub& h, EngineEventSourceOptions o)
      : docker(d), hub(h), options(std::move(o)), timer(std::move(ex)),
        rng(std::random_device{}()) {}

  void log(std::string_view level, std::string_view message) const {
    if (options.log) {
      options.log(level, message);
    }
  }

  engine::DockerClient& docker;
  EventHub& hub;
  EngineEventSourceOptions options;
  int past_connections = 0; // of the streams already closed
  std::int64_t past_drop_ns = 0;
  asio::steady_timer timer;
  std::minstd_rand rng;
  engine::EventStream* stream = nullptr; // while one is open
  std::int64_t newest_ns = 0;
  int opened = 0;
  bool started = false;
  bool stopped = false;
  bool running = false;
};

namespace {

/// The pause before the `failures`-th consecutive reopen: min·2^(failures-1), capped, then a
/// random half of it taken off, so several aicds do not reconnect in step.
std::chrono::milliseconds restart_delay(const EngineEventSourceOptions& options, int failures,
                                        std::minstd_rand& rng) {
  std::int64_t delay = options.min_restart_delay.count();
  for (int i = 1; i < failures && delay < options.max_restart_delay.count(); ++i) {
    delay *= 2;
  }
  delay = std::min<std::int64_t>(delay, options.max_restart_delay.count());
  std::uniform_int_distribution<std::int64_t> jitter(0, delay / 2);
  return std::chrono::milliseconds(delay - jitter(rng));
}

} // namespace

EngineEventSource::EngineEventSource(asio::any_io_executor executor, engine::DockerClient& docker,
                                     EventHub& hub, EngineEventSourceOptions options)
    : state_(std::make_shared<State>(std::move(executor), docker, hub, std::move(options))) {}

EngineEventSource::~EngineEventSource() {
  stop();
}

bool EngineEventSource::running() const {
  return state_->running;
}

int EngineEventSource::streams_opened() const {
  return state_->opened;
}

std::int64_t EngineEventSource::last_drop_ns() const {
  return std::max(state_->past_drop_ns,
                  state_->stream ? state_->stream->dropped_at_ns() : std::int64_t{0});
}

int EngineEventSource::connections() const {
  return state_->past_connections + (state_->stream ? state_->stream->connections() : 0);
}

void EngineEventSource::stop() {
  state_->stopped = true;
  if (state_->stream != nullptr) {
    state_->stream->close();
  }
  state_->timer.cancel();
}

void EngineEventSource::start() {
  if (state_->started) {
    return;
  }
  state_->started = true;
  state_->running = true;
  std::shared_ptr<State> s = state_;
  auto loop = [s]() -> asio::awaitable<void> {
    int failures = 0;
    while (!s->stopped) {
      engine::EventFilter filter;
      filter.types = {std::string(proto::event_type::kContainer)};
      filter.labels = {std::string(plan::label::kProject)};
      // After a give-up, ask the engine for what happened meanwhile (its history permitting).
      filter.since_ns = s->newest_ns > 0 ? s->newest_ns + 1 : 0;
      std::unique_ptr<engine::EventStream> stream = s->docker.events(filter);
      s->stream = stream.get();
      ++s->opened;
      bool delivered = false;
      std::string failure;
      while (!s->stopped) {
        Result<engine::EngineEvent> event = co_await stream->next();
        if (!event) {
          failure = event.error().describe();
          break;
        }
        delivered = true;
        s->newest_ns = std::max(s->newest_ns, event->time_ns);
        if (std::optional<proto::ProjectEvent> project = project_event_from_engine(*event)) {
          s->hub.publish(std::move(*project));
        }
      }
      s->past_connections += stream->connections();
      s->past_drop_ns = std::max(s->past_drop_ns, stream->dropped_at_ns());
      s->stream = nullptr;
      stream.reset(); // next() has returned: safe to destroy
      if (s->stopped) {
        break;
      }
      failures = delivered ? 1 : failures + 1;
      const std::chrono::milliseconds delay = restart_delay(s->options, failures, s->rng);
      s->log("warning", "engine event stream ended (" + failure + "); reopening in " +
                            std::to_string(delay.count()) + " ms");
      s->timer.expires_after(delay);
      auto [ec] = co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
      (void)ec;
    }
  };
  asio::co_spawn(s->timer.get_executor(), std::move(loop), [s](std::exception_ptr e) {
    s->running = false;
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        s->log("error", std::string("engine event reader failed: ") + ex.what());
      } catch (...) {
        s->log("error", "engine event reader failed");
      }
    }
  });
}

} // namespace aic::events
