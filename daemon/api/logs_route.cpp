#include "api/logs_route.hpp"

#include "engine/container_stream.hpp"
#include "plan/naming.hpp"
#include "supervisor/async_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

namespace aic::api {

namespace asio = boost::asio;

namespace {

struct LogState {
  explicit LogState(asio::any_io_executor ex) : changed(std::move(ex)) {}
  std::deque<std::string> lines;
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
  };
  while (!state->stopping) {
    while (state->lines.size() >= kMaxPendingLogLines && !state->stopping) {
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

} // namespace

asio::awaitable<void> stream_project_logs(DaemonContext& ctx, Request& request,
                                          Responder& responder) {
  std::string project = request.param("name");
  bool follow = request.query_value("follow").value_or("") == "true" ||
                request.query_value("follow").value_or("") == "1";
  std::set<std::string> services;
  if (auto s = request.query_value("services")) {
    std::string list(*s);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      std::string item = list.substr(start, comma - start);
      if (!item.empty()) {
        services.insert(item);
      }
      if (comma == std::string::npos) {
        break;
      }
      start = comma + 1;
    }
  }
  engine::ContainerListOptions list;
  list.all = true;
  list.filters["label"] = {std::string(plan::label::kProject) + "=" + project};
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await ctx.docker.list_containers(list);
  if (!containers) {
    Error failure = containers.error();
    co_await responder.respond_error(failure);
    co_return;
  }
  auto state = std::make_shared<LogState>(ctx.executor);
  std::set<std::string> known;
  for (const auto& c : *containers) {
    std::string service = plan::label_value(c.labels, plan::label::kService);
    known.insert(service);
    if (plan::label_value(c.labels, plan::label::kOneoff) == "True" ||
        (!services.empty() && services.count(service) == 0)) {
      continue;
    }
    engine::LogOptions options;
    options.follow = follow;
    options.timestamps = request.query_value("timestamps").value_or("") == "true";
    options.tail = std::string(request.query_value("tail").value_or("all"));
    options.since = std::string(request.query_value("since").value_or(""));
    options.until = std::string(request.query_value("until").value_or(""));
    std::string id = c.id;
    Result<std::unique_ptr<engine::ContainerStream>> stream = co_await ctx.docker.logs(id, options);
    if (!stream) {
      continue; // removed meanwhile
    }
    std::shared_ptr<engine::ContainerStream> shared = std::move(*stream);
    state->streams.push_back(shared);
    nlohmann::json origin = {{"container", c.names.empty() ? c.id : c.names.front()},
                             {"service", service},
                             {"number", plan::label_value(c.labels, plan::label::kNumber)}};
    ++state->active;
    asio::co_spawn(ctx.executor, read_container(state, shared, origin), asio::detached);
  }
  for (const auto& s : services) {
    if (known.count(s) == 0) {
      for (auto& st : state->streams) {
        st->close();
      }
      state->stopping = true;
      Error failure(ErrorCode::NotFound, "no such service: " + s);
      co_await responder.respond_error(failure);
      co_return;
    }
  }
  bool writing = co_await responder.start_stream(200, "application/x-ndjson");
  while (writing) {
    while (writing && !state->lines.empty()) {
      std::string line = std::move(state->lines.front());
      state->lines.pop_front();
      writing = co_await responder.write_line(line);
    }
    state->changed.notify_all(); // readers waiting for room
    if (state->active == 0 && state->lines.empty()) {
      break;
    }
    if (writing && responder.client_gone()) {
      writing = false;
    }
    if (writing) {
      co_await state->changed.wait(std::chrono::milliseconds(500));
    }
  }
  state->stopping = true;
  for (auto& st : state->streams) {
    st->close();
  }
  state->changed.notify_all();
  if (writing) {
    co_await responder.finish();
  }
}

} // namespace aic::api
