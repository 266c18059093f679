#include "api/logs_route.hpp"

#include "api/route_support.hpp"
#include "engine/container_stream.hpp"
#include "engine/event_stream.hpp"
#include "plan/naming.hpp"
#include "supervisor/async_sync.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <deque>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace aic::api {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kParallelLogOpens = 16;

struct LogState {
  explicit LogState(asio::any_io_executor ex) : changed(std::move(ex)) {}
  std::deque<std::string> lines;
  std::size_t bytes = 0; ///< in `lines`
  supervisor::Signal changed;
  std::vector<std::shared_ptr<engine::ContainerStream>> streams;
  int active = 0;
  bool stopping = false;
};

asio::awaitable<void> read_container(std::shared_ptr<LogState> state,
                                     std::shared_ptr<engine::ContainerStream> stream,
                                     nlohmann::json origin) {
  std::string partial[2];
  auto emit = [&](int kind, std::string line) {
    nlohmann::json j = origin;
    j["stream"] = kind == 0 ? "stdout" : "stderr";
    j["line"] = std::move(line);
    state->lines.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    state->bytes += state->lines.back().size();
  };
  while (!state->stopping) {
    while ((state->lines.size() >= kMaxPendingLogLines || state->bytes >= kMaxPendingLogBytes) &&
           !state->stopping) {
      co_await state->changed.wait(std::chrono::seconds(1));
    }
    Result<std::optional<std::vector<engine::OutputChunk>>> chunks = co_await stream->read();
    if (!chunks || !*chunks) {
      break;
    }
    for (const auto& chunk : **chunks) {
      int kind = chunk.stream == engine::StreamKind::Stderr ? 1 : 0;
      std::string& buf = partial[kind];
      buf += chunk.data;
      std::size_t start = 0;
      for (std::size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string line = buf.substr(start, nl - start);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        emit(kind, std::move(line));
      }
      buf.erase(0, start);
      if (buf.size() > 64 * 1024) { // a line without end: pass it on in pieces
        emit(kind, std::move(buf));
        buf.clear();
      }
    }
    state->changed.notify_all();
  }
  for (int kind = 0; kind < 2; ++kind) {
    if (!partial[kind].empty()) {
      emit(kind, std::move(partial[kind]));
    }
  }
  --state->active;
  state->changed.notify_all();
}

/// Opens a log stream of one container and starts its reader; false when the engine refused.
asio::awaitable<bool> follow_container(DaemonContext& ctx, std::shared_ptr<LogState> state,
                                       std::string id, engine::LogOptions options,
                                       nlohmann::json origin) {
  Result<std::unique_ptr<engine::ContainerStream>> stream = co_await ctx.docker.logs(id, options);
  if (!stream) {
    co_return false; // removed meanwhile
  }
  std::shared_ptr<engine::ContainerStream> shared = std::move(*stream);
  // Streams whose reader ended are held by the state alone: let them go.
  std::erase_if(state->streams, [](const auto& s) { return s.use_count() == 1; });
  state->streams.push_back(shared);
  ++state->active;
  asio::co_spawn(ctx.executor, read_container(state, shared, std::move(origin)), asio::detached);
  co_return true;
}

/// Whether a container (by its labels) is one the request asked for.
bool wanted(const std::map<std::string, std::string>& labels, const std::set<std::string>& services,
            std::optional<int> index) {
  if (plan::label_value(labels, plan::label::kOneoff) == "True") {
    return false;
  }
  std::string service = plan::label_value(labels, plan::label::kService);
  return (services.empty() || services.count(service) != 0) &&
         (!index || plan::container_number(labels) == *index);
}

nlohmann::json origin_of(std::string name, const std::map<std::string, std::string>& labels) {
  return {{"container", std::move(name)},
          {"service", plan::label_value(labels, plan::label::kService)},
          {"number", plan::label_value(labels, plan::label::kNumber)}};
}

/// `since` for the engine: whole seconds and nanoseconds.
std::string engine_time(std::int64_t ns) {
  char text[40];
  std::snprintf(text, sizeof text, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return text;
}

/// While following: every container of the project that starts later (a restart, a recreate,
/// a scale-up) gets a log stream, as `docker compose logs -f` does. A container met before
/// (listed at the start, or followed already) is read from its last `die` on (else from the
/// subscription), so nothing is shown twice; a new one from its first line.
asio::awaitable<void> watch_starts(DaemonContext& ctx, std::shared_ptr<LogState> state,
                                   std::shared_ptr<engine::EventStream> events,
                                   std::set<std::string> services, std::optional<int> index,
                                   engine::LogOptions options, std::set<std::string> seen,
                                   std::int64_t subscribed_ns) {
  std::map<std::string, std::int64_t> died;
  while (!state->stopping) {
    Result<engine::EngineEvent> event = co_await events->next();
    if (!event || state->stopping) {
      break;
    }
    if (!wanted(event->attributes, services, index)) {
      continue;
    }
    if (event->action == "die") {
      died[event->actor_id] = event->time_ns;
      if (died.size() > 4096) {
        died.erase(died.begin());
      }
      continue;
    }
    if (event->action != "start") {
      continue;
    }
    engine::LogOptions from_start = options;
    from_start.tail = "all";
    from_start.since.clear();
    if (auto d = died.find(event->actor_id); d != died.end()) {
      from_start.since = engine_time(d->second);
    } else if (seen.count(event->actor_id) != 0) {
      from_start.since = engine_time(subscribed_ns);
    }
    seen.insert(event->actor_id);
    auto name_it = event->attributes.find("name");
    std::string name = name_it == event->attributes.end() ? event->actor_id : name_it->second;
    nlohmann::json origin = origin_of(name, event->attributes);
    std::string id = event->actor_id;
    co_await follow_container(ctx, state, id, from_start, origin);
    state->changed.notify_all();
  }
}

/// Lists the project's containers and opens the log of each one the request asks for, its reader
/// feeding `state`; every container listed goes into `seen` unless it is null (a read that does
/// not follow needs no record). NotFound when a service asked for has no container.
asio::awaitable<Result<void>> open_logs(DaemonContext& ctx, const std::string& project,
                                        const std::set<std::string>& services,
                                        std::optional<int> index, const engine::LogOptions& options,
                                        std::shared_ptr<LogState> state,
                                        std::set<std::string>* seen) {
  const engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({plan::label_filter(plan::label::kProject, project)});
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await ctx.docker.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error();
  }
  std::set<std::string> known;
  for (const auto& c : *containers) {
    known.insert(plan::label_value(c.labels, plan::label::kService));
  }
  for (const auto& s : services) {
    if (known.count(s) == 0) {
      co_return Error(ErrorCode::NotFound, "no such service: " + s);
    }
  }
  std::vector<supervisor::Task> opens;
  for (const auto& c : *containers) {
    if (seen != nullptr) {
      seen->insert(c.id);
    }
    if (!wanted(c.labels, services, index)) {
      continue;
    }
    nlohmann::json origin = origin_of(c.names.empty() ? c.id : c.names.front(), c.labels);
    opens.push_back([&ctx, state, id = c.id, options,
                     origin = std::move(origin)]() -> asio::awaitable<Result<void>> {
      co_await follow_container(ctx, state, id, options, origin);
      co_return Result<void>{};
    });
  }
  // The streams are opened kParallelLogOpens at a time: one after another, a busy engine made
  // a project of 30 containers wait seconds for its first line.
  (void)co_await supervisor::run_parallel(ctx.executor, std::move(opens), kParallelLogOpens);
  co_return Result<void>{};
}

/// Ends the readers of `state` and closes its engine streams.
void stop_reading(LogState& state) {
  state.stopping = true;
  for (auto& st : state.streams) {
    st->close();
  }
  state.changed.notify_all();
}

/// A read without follow, whole: the NDJSON lines, or null when they pass kMaxSharedLogBytes
/// (then each request reads for itself, streaming).
asio::awaitable<Result<SharedLogRead>> collect_logs(DaemonContext& ctx, std::string project,
                                                    std::set<std::string> services,
                                                    std::optional<int> index,
                                                    engine::LogOptions options) {
  auto state = std::make_shared<LogState>(ctx.executor);
  Result<void> opened = co_await open_logs(ctx, project, services, index, options, state, nullptr);
  if (!opened) {
    stop_reading(*state);
    co_return std::move(opened).error();
  }
  auto lines = std::make_shared<std::vector<std::string>>();
  std::size_t bytes = 0;
  for (;;) {
    while (!state->lines.empty()) {
      bytes += state->lines.front().size();
      lines->push_back(std::move(state->lines.front()));
      state->lines.pop_front();
    }
    state->bytes = 0;
    state->changed.notify_all(); // readers waiting for room
    if (bytes > kMaxSharedLogBytes) {
      lines.reset();
      break;
    }
    if (state->active == 0 && state->lines.empty()) {
      break;
    }
    co_await state->changed.wait(std::chrono::milliseconds(500));
  }
  stop_reading(*state);
  co_return SharedLogRead(std::move(lines));
}

/// The key under which identical reads without follow are shared; empty: this read is not
/// shared (it follows, has a time window whose meaning moves with the clock, or a tail that is
/// not a small number).
std::string shared_read_key(const std::string& project, const std::vector<std::string>& services,
                            std::optional<int> index, const engine::LogOptions& options) {
  if (options.follow || !options.since.empty() || !options.until.empty() || options.tail.empty() ||
      options.tail.size() > 4 ||
      !std::all_of(options.tail.begin(), options.tail.end(),
                   [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoul(options.tail) > kMaxSharedLogTail) {
    return {};
  }
  std::string key = project + '\n' + options.tail + '\n' + (options.timestamps ? "t" : "") + '\n' +
                    (index ? std::to_string(*index) : "") + '\n';
  std::vector<std::string> sorted = services;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& s : sorted) {
    key += s + ',';
  }
  return key;
}

} // namespace

asio::awaitable<void> stream_project_logs(DaemonContext& ctx, Request& request,
                                          Responder& responder) {
  std::string project = request.param("name");
  bool follow = truthy(request.query_value("follow"));
  // `aic up` (attached) ends with the containers; `aic logs -f` follows until Ctrl-C.
  bool exit_when_stopped = truthy(request.query_value("exit_when_stopped"));
  std::vector<std::string> service_list = split_list(request.query_value("services"));
  std::set<std::string> services(service_list.begin(), service_list.end());
  std::optional<int> index;
  if (auto i = request.query_value("index")) {
    index = to_int(*i);
    if (!index || *index < 1) {
      Error failure(ErrorCode::InvalidSpec, "index must be a number from 1");
      co_await responder.respond_error(failure);
      co_return;
    }
  }
  engine::LogOptions options;
  options.follow = follow;
  options.timestamps = truthy(request.query_value("timestamps"));
  options.tail = std::string(request.query_value("tail").value_or("all"));
  options.since = std::string(request.query_value("since").value_or(""));
  options.until = std::string(request.query_value("until").value_or(""));

  // Identical reads that come while one is under way share the next (JoinedCalls): 50 clients
  // reading a project's last lines cost the engine one read of each container, not 50.
  if (const std::string key = shared_read_key(project, service_list, index, options);
      !key.empty() && ctx.log_reads != nullptr) {
    LogReads::Call read = [&ctx, project, services, index, options] {
      return collect_logs(ctx, project, services, index, options);
    };
    Result<SharedLogRead> shared = co_await ctx.log_reads->get(key, std::move(read));
    if (!shared) {
      Error failure = shared.error();
      co_await responder.respond_error(failure);
      co_return;
    }
    if (*shared) {
      bool writing = co_await responder.start_stream(200, "application/x-ndjson");
      for (std::size_t i = 0; writing && i < (*shared)->size(); ++i) {
        writing = co_await responder.write_line((**shared)[i]);
      }
      if (writing) {
        co_await responder.finish();
      }
      co_return;
    }
    // Too much to hold: this request reads for itself, streaming, below.
  }

  // Subscribed before listing, so a container starting in between is not missed.
  std::shared_ptr<engine::EventStream> events;
  if (follow && !exit_when_stopped) {
    engine::EventFilter filter;
    filter.types = {"container"};
    filter.events = {"start", "die"};
    filter.labels = {plan::label_filter(plan::label::kProject, project)};
    events = ctx.docker.events(filter);
  }
  const std::int64_t subscribed_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count();
  auto state = std::make_shared<LogState>(ctx.executor);
  std::set<std::string> seen;
  Result<void> opened = co_await open_logs(ctx, project, services, index, options, state, &seen);
  if (!opened) {
    if (events) {
      events->close();
    }
    stop_reading(*state);
    Error failure = opened.error();
    co_await responder.respond_error(failure);
    co_return;
  }
  if (events) {
    asio::co_spawn(ctx.executor,
                   watch_starts(ctx, state, events, services, index, options, seen, subscribed_ns),
                   asio::detached);
  }
  bool writing = co_await responder.start_stream(200, "application/x-ndjson");
  while (writing) {
    while (writing && !state->lines.empty()) {
      std::string line = std::move(state->lines.front());
      state->lines.pop_front();
      state->bytes -= line.size();
      writing = co_await responder.write_line(line);
    }
    state->changed.notify_all(); // readers waiting for room
    if (!events && state->active == 0 && state->lines.empty()) {
      break;
    }
    if (writing && responder.client_gone()) {
      writing = false;
    }
    if (writing) {
      co_await state->changed.wait(std::chrono::milliseconds(500));
    }
  }
  if (events) {
    events->close();
  }
  stop_reading(*state);
  if (writing) {
    co_await responder.finish();
  }
}

} // namespace aic::api
