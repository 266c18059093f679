#include "api/v1_routes.hpp"

#include "api/logs_route.hpp"
#include "api/responder.hpp"
#include "compose/model_json.hpp"
#include "proto/error_body.hpp"
#include "supervisor/async_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <nlohmann/json.hpp>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kAicdVersion = "0.1.0";
/// Progress lines kept for a slow client; beyond it, info lines are dropped (counted).
constexpr std::size_t kMaxQueuedLines = 4096;

/// Runs `work` on the blocking pool and resumes on the caller's executor.
template <typename T>
asio::awaitable<Result<T>> on_pool(asio::thread_pool& pool,
                                   const std::function<Result<T>()>& work) {
  // A named closure: GCC 12 double-frees temporaries inside a co_await expression.
  auto task = [work]() -> asio::awaitable<std::optional<Result<T>>> { co_return work(); };
  std::optional<Result<T>> out =
      co_await asio::co_spawn(pool.get_executor(), std::move(task), asio::use_awaitable);
  if (!out) {
    co_return Error(ErrorCode::Internal, "blocking work returned nothing");
  }
  co_return std::move(*out);
}

/// The lines of one operation's progress stream, between the operation (which never waits on
/// the client) and the handler writing them out.
struct LineQueue {
  explicit LineQueue(asio::any_io_executor ex) : signal(std::move(ex)) {}

  void push(std::string line, bool droppable) {
    if (droppable && lines.size() >= kMaxQueuedLines) {
      ++dropped;
      return;
    }
    lines.push_back(std::move(line));
    signal.notify_all();
  }
  void close() {
    closed = true;
    signal.notify_all();
  }

  std::deque<std::string> lines;
  supervisor::Signal signal;
  std::size_t dropped = 0;
  bool closed = false;
};

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

/// The stored desired state of a project: the inputs of its last `up`, and the model.
struct StoredState {
  proto::UpRequest request;
};

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
  std::function<Result<std::optional<supervisor::LoadedInputs>>()> work =
      [store, project]() -> Result<std::optional<supervisor::LoadedInputs>> {
    Result<std::optional<std::string>> text = store->load(project);
    if (!text) {
      return std::move(text).error();
    }
    if (!*text) {
      return std::optional<supervisor::LoadedInputs>{};
    }
    nlohmann::json j = nlohmann::json::parse(**text, nullptr, false);
    if (j.is_discarded()) {
      return Error(ErrorCode::Internal, "the state file of " + project + " is not JSON");
    }
    proto::UpRequest request;
    try {
      request = j.at("request").get<proto::UpRequest>();
    } catch (const nlohmann::json::exception& e) {
      return Error(ErrorCode::Internal,
                   "the state file of " + project + " is unreadable: " + e.what());
    }
    Result<supervisor::LoadedInputs> loaded = supervisor::load_inputs(request.inputs);
    if (!loaded) {
      return std::move(loaded).error().with_context("reloading the stored project");
    }
    return std::optional<supervisor::LoadedInputs>(std::move(*loaded));
  };
  Result<std::optional<supervisor::LoadedInputs>> stored =
      co_await on_pool<std::optional<supervisor::LoadedInputs>>(ctx.blocking, work);
  co_return stored;
}

asio::awaitable<void> get_version(DaemonContext& ctx, Request&, Responder& responder) {
  nlohmann::json body = {{"version", kAicdVersion}, {"api_version", "v1"}};
  Result<engine::EngineVersion> engine = co_await ctx.docker.version();
  if (engine) {
    body["engine"] = {{"version", engine->version}, {"api_version", engine->api_version}};
  } else {
    body["engine"] = nullptr;
    body["engine_error"] = engine.error().describe();
  }
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> list_projects(DaemonContext& ctx, Request&, Responder& responder) {
  Result<std::vector<proto::ProjectStatus>> projects = co_await ctx.operations.list();
  if (!projects) {
    co_await respond_error(responder, projects.error());
    co_return;
  }
  store::ProjectStore* store = &ctx.store;
  std::function<Result<std::vector<std::string>>()> work = [store]() { return store->names(); };
  Result<std::vector<std::string>> stored =
      co_await on_pool<std::vector<std::string>>(ctx.blocking, work);
  std::map<std::string, proto::ProjectStatus> all;
  for (auto& p : *projects) {
    all[p.name] = std::move(p);
  }
  if (stored) {
    for (const auto& name : *stored) {
      if (all.count(name) == 0) {
        all[name] = proto::ProjectStatus{.name = name, .status = "created(0)"};
      }
    }
  }
  nlohmann::json body = nlohmann::json::array();
  for (const auto& [name, p] : all) {
    body.push_back(p);
  }
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> get_project(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  Result<proto::ProjectStatus> status = co_await ctx.operations.status(name);
  if (!status && status.error().code() == ErrorCode::NotFound &&
      store::ProjectStore::valid_name(name)) {
    Result<std::optional<supervisor::LoadedInputs>> stored = co_await load_stored(ctx, name);
    if (stored && *stored) {
      proto::ProjectStatus empty{.name = name, .status = "created(0)"};
      empty.working_dir = (*stored)->loaded.working_dir;
      empty.config_files = (*stored)->loaded.config_files;
      nlohmann::json body = empty;
      co_await responder.respond_json(200, body);
      co_return;
    }
  }
  if (!status) {
    co_await respond_error(responder, status.error());
    co_return;
  }
  nlohmann::json body = *status;
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> get_config(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  if (!store::ProjectStore::valid_name(name)) {
    Error failure = Error(ErrorCode::InvalidSpec, "invalid project name \"" + name + "\"");
    co_await respond_error(responder, failure);
    co_return;
  }
  Result<std::optional<supervisor::LoadedInputs>> stored = co_await load_stored(ctx, name);
  if (!stored) {
    co_await respond_error(responder, stored.error());
    co_return;
  }
  if (!*stored) {
    Error failure = Error(ErrorCode::NotFound, "aicd has no configuration for " + name);
    co_await respond_error(responder, failure);
    co_return;
  }
  nlohmann::json body = compose::to_json((*stored)->loaded.model);
  co_await responder.respond_json(200, body);
}

/// Claims the project for one operation; false (and a 409 sent) when another is running.
asio::awaitable<bool> claim(DaemonContext& ctx, const std::string& name, Responder& responder) {
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

asio::awaitable<void> put_project(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    Error failure = Error(ErrorCode::InvalidSpec, "the request body is not a JSON object");
    co_await respond_error(responder, failure);
    co_return;
  }
  auto up = std::make_shared<proto::UpRequest>();
  std::optional<Error> invalid;
  try {
    *up = body.get<proto::UpRequest>();
  } catch (const nlohmann::json::exception& e) {
    invalid = Error(ErrorCode::InvalidSpec, std::string("invalid up request: ") + e.what());
  }
  if (invalid) {
    co_await respond_error(responder, *invalid);
    co_return;
  }
  if (!up->inputs.project_name) {
    up->inputs.project_name = name;
  }
  if (*up->inputs.project_name != name) {
    Error failure =
        Error(ErrorCode::InvalidSpec, "the project name in the path (" + name + ") and the body (" +
                                          *up->inputs.project_name + ") differ");
    co_await respond_error(responder, failure);
    co_return;
  }
  proto::ComposeInputs inputs = up->inputs;
  std::function<Result<supervisor::LoadedInputs>()> load = [inputs]() {
    return supervisor::load_inputs(inputs);
  };
  Result<supervisor::LoadedInputs> loaded =
      co_await on_pool<supervisor::LoadedInputs>(ctx.blocking, load);
  if (!loaded) {
    co_await respond_error(responder, loaded.error());
    co_return;
  }
  if (loaded->spec.name != name) {
    Error failure = Error(ErrorCode::InvalidSpec,
                          "the files name project " + loaded->spec.name + ", not " + name);
    co_await respond_error(responder, failure);
    co_return;
  }
  if (Result<void> valid = ctx.operations.validate_up(*loaded, up->options); !valid) {
    co_await respond_error(responder, valid.error());
    co_return;
  }
  if (!co_await claim(ctx, name, responder)) {
    co_return;
  }
  nlohmann::json state = {
      {"version", 1}, {"request", *up}, {"model", compose::to_json(loaded->loaded.model)}};
  std::string text = dump(state);
  store::ProjectStore* store = &ctx.store;
  std::function<Result<bool>()> save = [store, name, text]() -> Result<bool> {
    Result<void> ok = store->save(name, text);
    if (!ok) {
      return std::move(ok).error();
    }
    return true;
  };
  Result<bool> saved = co_await on_pool<bool>(ctx.blocking, save);
  if (!saved) {
    ctx.busy.erase(name);
    Error failure = saved.error().with_context("saving the desired state");
    co_await respond_error(responder, failure);
    co_return;
  }

  auto queue = std::make_shared<LineQueue>(ctx.executor);
  auto project = std::make_shared<supervisor::LoadedInputs>(std::move(*loaded));
  DaemonContext* context = &ctx;
  ctx.log("info", "up " + name);
  asio::co_spawn(
      ctx.executor,
      [context, project, up, queue]() -> asio::awaitable<Result<void>> {
        supervisor::ProgressSink sink = sink_for(queue);
        proto::UpOptions options = up->options;
        co_return co_await context->operations.up(*project, options, sink);
      },
      [context, queue, name](std::exception_ptr e, Result<void> result) {
        if (e) {
          result = Error(ErrorCode::Internal, "up failed unexpectedly");
        }
        context->busy.erase(name);
        context->log(result ? "info" : "warning",
                     "up " + name + (result ? " done" : ": " + result.error().describe()));
        finish_queue(*queue, result);
      });
  co_await drain(queue, responder);
}

asio::awaitable<void> delete_project(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  if (!store::ProjectStore::valid_name(name)) {
    Error failure = Error(ErrorCode::InvalidSpec, "invalid project name \"" + name + "\"");
    co_await respond_error(responder, failure);
    co_return;
  }
  auto options = std::make_shared<proto::DownOptions>();
  options->volumes = truthy(request.query_value("volumes"));
  options->remove_orphans = truthy(request.query_value("remove_orphans"));
  if (auto rmi = request.query_value("rmi")) {
    options->rmi = std::string(*rmi);
  }
  if (auto t = request.query_value("timeout")) {
    options->timeout_s = to_int(*t);
    if (!options->timeout_s) {
      Error failure = Error(ErrorCode::InvalidSpec, "timeout must be a number of seconds");
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  if (!options->rmi.empty() && options->rmi != "local" && options->rmi != "all") {
    Error failure = Error(ErrorCode::InvalidSpec, "rmi must be \"local\" or \"all\"");
    co_await respond_error(responder, failure);
    co_return;
  }
  Result<std::optional<supervisor::LoadedInputs>> stored = co_await load_stored(ctx, name);
  if (!stored) {
    ctx.log("warning", "down " + name + ": " + stored.error().describe());
  }
  auto project = std::make_shared<std::optional<supervisor::LoadedInputs>>(
      stored ? std::move(*stored) : std::nullopt);
  if (!co_await claim(ctx, name, responder)) {
    co_return;
  }
  auto queue = std::make_shared<LineQueue>(ctx.executor);
  DaemonContext* context = &ctx;
  ctx.log("info", "down " + name);
  asio::co_spawn(
      ctx.executor,
      [context, project, options, queue, name]() -> asio::awaitable<Result<void>> {
        supervisor::ProgressSink sink = sink_for(queue);
        proto::DownOptions down_options = *options;
        Result<void> down = co_await context->operations.down(name, down_options, *project, sink);
        if (!down) {
          co_return down;
        }
        store::ProjectStore* store = &context->store;
        std::function<Result<bool>()> remove = [store, name]() -> Result<bool> {
          Result<void> ok = store->remove(name);
          if (!ok) {
            return std::move(ok).error();
          }
          return true;
        };
        Result<bool> removed = co_await on_pool<bool>(context->blocking, remove);
        if (!removed) {
          co_return std::move(removed).error();
        }
        co_return Result<void>{};
      },
      [context, queue, name](std::exception_ptr e, Result<void> result) {
        if (e) {
          result = Error(ErrorCode::Internal, "down failed unexpectedly");
        }
        context->busy.erase(name);
        context->log(result ? "info" : "warning",
                     "down " + name + (result ? " done" : ": " + result.error().describe()));
        finish_queue(*queue, result);
      });
  co_await drain(queue, responder);
}

asio::awaitable<void> stop_project(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  std::optional<int> timeout;
  if (auto t = request.query_value("timeout")) {
    timeout = to_int(*t);
    if (!timeout) {
      Error failure(ErrorCode::InvalidSpec, "timeout must be a number of seconds");
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  if (!co_await claim(ctx, name, responder)) {
    co_return;
  }
  auto queue = std::make_shared<LineQueue>(ctx.executor);
  DaemonContext* context = &ctx;
  asio::co_spawn(
      ctx.executor,
      [context, queue, name, timeout]() -> asio::awaitable<Result<void>> {
        supervisor::ProgressSink sink = sink_for(queue);
        co_return co_await context->operations.stop(name, timeout, sink);
      },
      [context, queue, name](std::exception_ptr e, Result<void> result) {
        if (e) {
          result = Error(ErrorCode::Internal, "stop failed unexpectedly");
        }
        context->busy.erase(name);
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

} // namespace

void add_v1_routes(Router& router, DaemonContext& ctx) {
  router.add(http::verb::get, "/v1/version", bind(ctx, get_version));
  router.add(http::verb::get, "/v1/projects", bind(ctx, list_projects));
  router.add(http::verb::get, "/v1/projects/{name}", bind(ctx, get_project));
  router.add(http::verb::put, "/v1/projects/{name}", bind(ctx, put_project));
  router.add(http::verb::delete_, "/v1/projects/{name}", bind(ctx, delete_project));
  router.add(http::verb::get, "/v1/projects/{name}/config", bind(ctx, get_config));
  router.add(http::verb::get, "/v1/projects/{name}/logs", bind(ctx, stream_project_logs));
  router.add(http::verb::post, "/v1/projects/{name}/stop", bind(ctx, stop_project));
}

} // namespace aic::api
