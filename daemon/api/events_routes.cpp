#include "api/events_routes.hpp"

#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "events/event_hub.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

/// How often a silent stream checks whether its client is still there.
constexpr std::chrono::milliseconds kClientCheck{1000};
constexpr std::string_view kKeepAliveComment = ": keep-alive\n\n";
/// Frames are written in chunks of about this size at most.
constexpr std::size_t kMaxChunkBytes = 1024 * 1024;

std::optional<std::uint64_t> parse_id(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return value;
}

/// `id:`, `event:` and `data:` lines of one event; the JSON is one line.
std::string event_frame(const proto::ProjectEvent& event) {
  nlohmann::json data = event;
  return "id: " + std::to_string(event.id) + "\nevent: " + event.type + "\ndata: " + dump(data) +
         "\n\n";
}

/// The `gap` frame: events after `after` are gone from the buffer (or `after` is from before
/// aicd restarted, so what was lost is unknown). No `id:`, so a client that reconnects before
/// the next event hears of the gap again.
std::string gap_frame(std::uint64_t after, const events::EventBatch& batch,
                      std::uint64_t first_id) {
  nlohmann::json data = {{"reason", batch.unknown_id ? "unknown_id" : "overflow"},
                         {"after_id", after},
                         {"first_id", first_id}};
  data["lost"] = batch.unknown_id ? nlohmann::json(nullptr) : nlohmann::json(batch.lost);
  return "event: gap\ndata: " + dump(data) + "\n\n";
}

/// The subscription a request asks for; an InvalidSpec error for a malformed one.
struct Subscription {
  events::EventFilter filter;
  std::optional<std::uint64_t> after; ///< nullopt: live events only
};

Result<Subscription> parse_subscription(const Request& request, const std::string& path_project) {
  Subscription sub;
  sub.filter.project = path_project.empty()
                           ? std::string(request.query_value("project").value_or(""))
                           : path_project;
  if (!sub.filter.project.empty() && !store::ProjectStore::valid_name(sub.filter.project)) {
    return Error(ErrorCode::InvalidSpec, "invalid project name \"" + sub.filter.project + "\"");
  }
  for (std::string& type : split_list(request.query_value("types"))) {
    if (type != proto::event_type::kContainer && type != proto::event_type::kOperation &&
        type != proto::event_type::kSupervisor && type != proto::event_type::kGpu) {
      return Error(ErrorCode::InvalidSpec, "unknown event type \"" + type +
                                               "\": use container, operation, supervisor or gpu");
    }
    sub.filter.types.insert(std::move(type));
  }
  for (std::string& service : split_list(request.query_value("services"))) {
    sub.filter.services.insert(std::move(service));
  }
  // A browser's EventSource reconnects to the same URL with Last-Event-ID: it wins over the
  // since_id the URL may carry.
  std::optional<std::string_view> last = request.header("Last-Event-ID");
  if (last && !last->empty()) {
    sub.after = parse_id(*last);
    if (!sub.after) {
      return Error(ErrorCode::InvalidSpec, "Last-Event-ID must be an event id (a number)");
    }
  } else if (std::optional<std::string_view> since = request.query_value("since_id")) {
    sub.after = parse_id(*since);
    if (!sub.after) {
      return Error(ErrorCode::InvalidSpec, "since_id must be an event id (a number)");
    }
  }
  return sub;
}

asio::awaitable<void> stream_events(DaemonContext& ctx, Request& request, Responder& responder,
                                    std::string path_project) {
  Result<Subscription> sub = parse_subscription(request, path_project);
  if (!sub) {
    Error failure = sub.error();
    co_await respond_error(responder, failure);
    co_return;
  }
  if (ctx.events == nullptr) {
    Error failure(ErrorCode::Internal, "this aicd has no event stream");
    co_await respond_error(responder, failure);
    co_return;
  }
  events::EventHub& hub = *ctx.events;
  std::uint64_t cursor = sub->after.value_or(hub.last_id());
  responder.set_header("X-Accel-Buffering", "no"); // proxies must not hold frames back
  bool writing = co_await responder.start_stream(200, "text/event-stream");
  if (writing) {
    const std::string retry = "retry: " + std::to_string(kEventRetry.count()) + "\n\n";
    writing = co_await responder.write(retry);
  }
  auto last_write = std::chrono::steady_clock::now();
  while (writing) {
    const events::EventBatch batch = hub.read_after(cursor, sub->filter, kEventBatch);
    std::string frames;
    if (batch.unknown_id || batch.lost > 0) {
      frames += gap_frame(cursor, batch, hub.oldest_id());
    }
    cursor = batch.cursor;
    for (const proto::ProjectEvent& event : batch.events) {
      if (frames.size() >= kMaxChunkBytes) {
        cursor = event.id - 1; // the rest goes in the next chunk
        break;
      }
      frames += event_frame(event);
    }
    const auto now = std::chrono::steady_clock::now();
    if (!frames.empty()) {
      writing = co_await responder.write(frames);
      last_write = now;
      continue;
    }
    if (hub.closed() || responder.client_gone()) {
      break;
    }
    if (now - last_write >= kEventKeepAlive) {
      writing = co_await responder.write(kKeepAliveComment);
      last_write = now;
      continue;
    }
    const auto until_keep_alive =
        std::chrono::duration_cast<std::chrono::milliseconds>(kEventKeepAlive - (now - last_write));
    const std::chrono::milliseconds pause = std::min(kClientCheck, until_keep_alive);
    co_await hub.wait(cursor, pause);
  }
  // The server ends a stream that is still open (the last chunk) when the handler returns.
}

asio::awaitable<void> get_events(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string all_projects;
  co_await stream_events(ctx, request, responder, all_projects);
}

asio::awaitable<void> get_project_events(DaemonContext& ctx, Request& request,
                                         Responder& responder) {
  std::string project = request.param("name");
  co_await stream_events(ctx, request, responder, project);
}

} // namespace

void DaemonContext::operation_started(const std::string& project, std::string_view operation) {
  if (events != nullptr) {
    events->publish(events::operation_event(project, operation, proto::operation_phase::kStarted));
  }
}

void DaemonContext::operation_ended(const std::string& project, std::string_view operation,
                                    const Result<void>& result) {
  if (events == nullptr) {
    return;
  }
  if (result) {
    events->publish(events::operation_event(project, operation, proto::operation_phase::kFinished));
  } else {
    events->publish(events::operation_event(project, operation, proto::operation_phase::kFailed,
                                            result.error().describe()));
  }
}

void add_events_routes(Router& router, DaemonContext& ctx) {
  router.add(http::verb::get, "/v1/events", bind(ctx, get_events));
  router.add(http::verb::get, "/v1/projects/{name}/events", bind(ctx, get_project_events));
}

} // namespace aic::api
