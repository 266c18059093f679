#include "api/v1_routes.hpp"

#include "api/archive_routes.hpp"
#include "api/container_routes.hpp"
#include "api/events_routes.hpp"
#include "api/exec_routes.hpp"
#include "api/image_routes.hpp"
#include "api/logs_route.hpp"
#include "api/metrics_routes.hpp"
#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "api/status_cache.hpp"
#include "api/web_routes.hpp"
#include "compose/model_json.hpp"
#include "compose/secret_mask.hpp"
#include "proto/error_body.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/supervisor.hpp"

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

asio::awaitable<void> get_gpus(DaemonContext& ctx, Request&, Responder& responder) {
  if (ctx.gpus == nullptr) {
    proto::GpuStatus none{.source = "none", .detail = "aicd runs without GPU scheduling"};
    nlohmann::json body = none;
    co_await responder.respond_json(200, body);
    co_return;
  }
  Result<proto::GpuStatus> status = co_await ctx.gpus->status();
  if (!status) {
    co_await respond_error(responder, status.error());
    co_return;
  }
  nlohmann::json body = *status;
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
  for (auto& [name, p] : all) {
    if (ctx.supervisor != nullptr) {
      ctx.supervisor->fill(p);
    }
    body.push_back(p);
  }
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> get_project(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  Result<proto::ProjectStatus> status = Error(ErrorCode::Internal, "not fetched");
  if (ctx.status_cache != nullptr) {
    supervisor::ProjectOperations& operations = ctx.operations;
    StatusCache::Fetch fetch = [&operations](const std::string& project) {
      return operations.status(project);
    };
    status = co_await ctx.status_cache->get(name, std::move(fetch));
  } else {
    status = co_await ctx.operations.status(name);
  }
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
  if (ctx.supervisor != nullptr) {
    ctx.supervisor->fill(*status);
  }
  if (request.query_value("labels") == std::optional<std::string_view>("false")) {
    for (auto& c : status->containers) {
      c.labels.clear(); // ~70 % of the answer, which a table does not show
    }
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
  if (request.query_value("show_secrets") != std::optional<std::string_view>("true")) {
    compose::mask_secrets(body);
  }
  co_await responder.respond_json(200, body);
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
  // Loading and planning every service take long enough for a large project to stall the io
  // thread's other clients, so both run on the blocking pool.
  supervisor::ProjectOperations* operations = &ctx.operations;
  std::function<Result<supervisor::LoadedInputs>()> load =
      [operations, up, name]() -> Result<supervisor::LoadedInputs> {
    Result<supervisor::LoadedInputs> loaded = supervisor::load_inputs(up->inputs);
    if (!loaded) {
      return loaded;
    }
    if (loaded->spec.name != name) {
      return Error(ErrorCode::InvalidSpec,
                   "the files name project " + loaded->spec.name + ", not " + name);
    }
    if (Result<void> valid = operations->validate_up(*loaded, up->options); !valid) {
      return std::move(valid).error();
    }
    return loaded;
  };
  Result<supervisor::LoadedInputs> loaded =
      co_await on_pool<supervisor::LoadedInputs>(ctx.blocking, load);
  if (!loaded) {
    co_await respond_error(responder, loaded.error());
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
  ctx.operation_started(name, "up");
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
        context->operation_ended(name, "up", result);
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
  ctx.operation_started(name, "down");
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
        context->operation_ended(name, "down", result);
        context->log(result ? "info" : "warning",
                     "down " + name + (result ? " done" : ": " + result.error().describe()));
        finish_queue(*queue, result);
      });
  co_await drain(queue, responder);
}

} // namespace

void add_v1_routes(Router& router, DaemonContext& ctx) {
  router.add(http::verb::get, "/v1/version", bind(ctx, get_version));
  router.add(http::verb::get, "/v1/projects", bind(ctx, list_projects));
  router.add(http::verb::get, "/v1/gpus", bind(ctx, get_gpus));
  router.add(http::verb::get, "/v1/projects/{name}", bind(ctx, get_project));
  router.add(http::verb::put, "/v1/projects/{name}", bind(ctx, put_project));
  router.add(http::verb::delete_, "/v1/projects/{name}", bind(ctx, delete_project));
  router.add(http::verb::get, "/v1/projects/{name}/config", bind(ctx, get_config));
  router.add(http::verb::get, "/v1/projects/{name}/logs", bind(ctx, stream_project_logs));
  add_container_routes(router, ctx);
  add_events_routes(router, ctx);
  add_metrics_routes(router, ctx);
  add_exec_routes(router, ctx);
  add_archive_routes(router, ctx);
  add_image_routes(router, ctx);
  add_web_routes(router);
}

} // namespace aic::api
