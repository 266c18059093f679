#include "api/route_support.hpp"

#include "proto/error_body.hpp"
#include "supervisor/supervisor.hpp"

#include <boost/asio/detached.hpp>

namespace aic::api {

namespace {
constexpr std::chrono::seconds kSupervisorWait{30};
} // namespace

namespace asio = boost::asio;

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

supervisor::ProgressSink sink_for(std::shared_ptr<LineQueue> queue) {
  return [queue](const proto::ProgressEvent& event) {
    nlohmann::json line = {{"progress", event}};
    queue->push(dump(line), event.level == "info");
  };
}

/// Writes the queue to the client until the operation closed it. A client that goes away only
/// stops the writing: the operation carries on.
asio::awaitable<void> drain(std::shared_ptr<LineQueue> queue, Responder& responder) {
  bool writing = co_await responder.start_stream(200, "application/x-ndjson");
  for (;;) {
    while (!queue->lines.empty()) {
      std::string line = std::move(queue->lines.front());
      queue->lines.pop_front();
      if (writing) {
        writing = co_await responder.write_line(line);
      }
    }
    if (queue->closed) {
      break;
    }
    if (!writing) {
      co_return; // nobody listens; the operation finishes on its own
    }
    co_await queue->signal.wait(std::chrono::seconds(1));
  }
  if (writing) {
    co_await responder.finish();
  }
}

void finish_queue(LineQueue& queue, const Result<void>& result) {
  nlohmann::json last = result ? nlohmann::json{{"done", true}} : proto::error_body(result.error());
  queue.push(dump(last), false);
  queue.close();
}

asio::awaitable<void> respond_error(Responder& responder, Error error) {
  co_await responder.respond_error(error);
}

std::optional<int> to_int(std::string_view s) {
  if (s.empty() || s.size() > 9) {
    return std::nullopt;
  }
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

bool truthy(std::optional<std::string_view> v) {
  return v && (*v == "1" || *v == "true" || v->empty());
}

asio::awaitable<Result<std::optional<supervisor::LoadedInputs>>> load_stored(DaemonContext& ctx,
                                                                             std::string project) {
  store::ProjectStore* store = &ctx.store;
  std::function<Result<std::optional<supervisor::LoadedInputs>>()> work = [store, project]() {
    return supervisor::load_stored_inputs(*store, project);
  };
  Result<std::optional<supervisor::LoadedInputs>> stored =
      co_await on_pool<std::optional<supervisor::LoadedInputs>>(ctx.blocking, work);
  co_return stored;
}

std::vector<std::string> split_list(std::optional<std::string_view> value) {
  std::vector<std::string> out;
  if (!value) {
    return out;
  }
  std::string list(*value);
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma - start);
    if (!item.empty()) {
      out.push_back(std::move(item));
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return out;
}

/// Claims the project for one operation; false (and a 409 sent) when another is running.
asio::awaitable<bool> claim(DaemonContext& ctx, const std::string& name, Responder& responder) {
  if (ctx.supervisor != nullptr) {
    // A restart aicd makes takes seconds at most: the user's operation waits for it.
    co_await ctx.supervisor->wait_idle(name, kSupervisorWait);
  }
  if (ctx.busy.count(name) != 0) {
    Error failure = Error(ErrorCode::Conflict, "project " + name +
                                                   " is busy: another operation on it is in "
                                                   "progress; try again when it has finished");
    co_await respond_error(responder, failure);
    co_return false;
  }
  ctx.busy.insert(name);
  co_return true;
}

asio::awaitable<void> stream_operation(DaemonContext& ctx, Responder& responder,
                                       std::string project, std::string what, OperationBody body) {
  if (!co_await claim(ctx, project, responder)) {
    co_return;
  }
  auto queue = std::make_shared<LineQueue>(ctx.executor);
  DaemonContext* context = &ctx;
  ctx.log("info", what + " " + project);
  ctx.operation_started(project, what);
  auto task = [queue, body]() -> asio::awaitable<Result<void>> {
    supervisor::ProgressSink sink = sink_for(queue);
    co_return co_await body(sink);
  };
  asio::co_spawn(ctx.executor, std::move(task),
                 [context, queue, project, what](std::exception_ptr e, Result<void> result) {
                   if (e) {
                     result = Error(ErrorCode::Internal, what + " failed unexpectedly");
                   }
                   context->busy.erase(project);
                   context->operation_ended(project, what, result);
                   context->log(result ? "info" : "warning",
                                what + " " + project +
                                    (result ? " done" : ": " + result.error().describe()));
                   finish_queue(*queue, result);
                 });
  co_await drain(queue, responder);
}

Handler bind(DaemonContext& ctx,
             asio::awaitable<void> (*fn)(DaemonContext&, Request&, Responder&)) {
  DaemonContext* context = &ctx;
  return [context, fn](Request& request, Responder& responder) {
    return fn(*context, request, responder);
  };
}

} // namespace aic::api
