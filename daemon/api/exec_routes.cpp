#include "api/exec_routes.hpp"

#include "api/relay.hpp"
#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "plan/naming.hpp"
#include "proto/exec_types.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/one_off_run.hpp"

#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

namespace {

/// Exit records of sessions not yet collected through /wait; beyond it the oldest is dropped
/// (its /wait then asks the engine, which no longer knows an auto-removed container).
constexpr std::size_t kMaxExitRecords = 1024;
/// A collected-or-not exit record is forgotten this long after the container exited.
constexpr std::chrono::minutes kExitRecordLifetime{10};
/// How often a /wait on a running container checks that its client is still there.
constexpr std::chrono::seconds kWaitPoll{1};

/// The outcome of an attached container, read from an engine wait registered before it started
/// (so even an auto-removed container that exits at once cannot be missed).
struct ExitRecord {
  explicit ExitRecord(asio::any_io_executor executor) : changed(std::move(executor)) {}
  std::string project;
  std::shared_ptr<engine::PendingWait> wait; ///< the engine wait, until it answered
  Clock::time_point created;
  bool done = false;
  std::optional<std::int64_t> exit_code;
  std::optional<Error> error;
  Clock::time_point done_at;
  supervisor::Signal changed;
};

/// What the routes share besides the daemon's context.
struct ExecState {
  explicit ExecState(DaemonContext& context) : ctx(context) {}
  DaemonContext& ctx;
  std::map<std::string, std::shared_ptr<ExitRecord>> exits; ///< by container id
};

using ExecHandler = asio::awaitable<void> (*)(ExecState&, Request&, Responder&);

Handler bind_exec(const std::shared_ptr<ExecState>& state, ExecHandler fn) {
  return [state, fn](Request& request, Responder& responder) {
    return fn(*state, request, responder);
  };
}

/// The project of the route, or an InvalidSpec error for a malformed name.
Result<std::string> project_of(const Request& request) {
  std::string name = request.param("name");
  if (!store::ProjectStore::valid_name(name)) {
    return Error(ErrorCode::InvalidSpec, "invalid project name \"" + name + "\"");
  }
  return name;
}

template <typename T>
Result<T> parse_body(const Request& request, std::string_view what) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(ErrorCode::InvalidSpec, "the request body is not a JSON object");
  }
  try {
    return body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::InvalidSpec, "invalid " + std::string(what) + " request: " + e.what());
  }
}

Result<void> require_upgrade(const Request& request) {
  auto upgrade = request.header("Upgrade");
  if (!upgrade || *upgrade != "tcp") {
    return Error(ErrorCode::InvalidSpec, "this endpoint needs an HTTP upgrade: send "
                                         "'Connection: Upgrade' and 'Upgrade: tcp'");
  }
  return {};
}

/// The container `id` when it belongs to `project`; NotFound otherwise (another project's
/// container is as invisible as a missing one).
asio::awaitable<Result<engine::ContainerInspect>>
project_container(DaemonContext& ctx, std::string project, std::string id) {
  Result<engine::ContainerInspect> inspected = co_await ctx.docker.inspect_container(id);
  if (!inspected && inspected.error().code() != ErrorCode::NotFound) {
    co_return std::move(inspected).error();
  }
  if (!inspected || plan::label_value(inspected->config.labels, plan::label::kProject) != project) {
    co_return Error(ErrorCode::NotFound, "project " + project + " has no container " + id);
  }
  co_return inspected;
}

/// The exec instance `id` when it runs in a container of `project`.
asio::awaitable<Result<engine::ExecInspect>> project_exec(DaemonContext& ctx, std::string project,
                                                          std::string id) {
  Result<engine::ExecInspect> exec = co_await ctx.docker.inspect_exec(id);
  if (!exec && exec.error().code() != ErrorCode::NotFound) {
    co_return std::move(exec).error();
  }
  if (!exec) {
    co_return Error(ErrorCode::NotFound, "project " + project + " has no exec instance " + id);
  }
  Result<engine::ContainerInspect> container =
      co_await project_container(ctx, project, exec->container_id);
  if (!container) {
    co_return Error(ErrorCode::NotFound, "project " + project + " has no exec instance " + id);
  }
  co_return exec;
}

/// `h` and `w` of a resize, each 1…65535.
Result<std::pair<int, int>> terminal_size(const Request& request) {
  std::optional<int> h = to_int(request.query_value("h").value_or(""));
  std::optional<int> w = to_int(request.query_value("w").value_or(""));
  if (!h || !w || *h < 1 || *w < 1 || *h > 65535 || *w > 65535) {
    return Error(ErrorCode::InvalidSpec, "resize needs h and w, the terminal's rows and columns "
                                         "(1 to 65535)");
  }
  return std::pair{*h, *w};
}

std::string random_slug() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;
  std::string slug;
  for (int i = 0; i < 64; ++i) {
    slug += kHex[device() & 15];
  }
  return slug;
}

/// Drops a record, and its engine wait when that has not answered yet.
void drop(ExecState& state, std::map<std::string, std::shared_ptr<ExitRecord>>::iterator it) {
  if (!it->second->done && it->second->wait) {
    it->second->wait->close();
  }
  state.exits.erase(it);
}

/// Forgets records of containers that exited long ago, then the oldest ones while the registry
/// is full (sessions whose clients never came back for the exit code).
void make_room(ExecState& state) {
  const auto now = Clock::now();
  for (auto it = state.exits.begin(); it != state.exits.end();) {
    auto next = std::next(it);
    if (it->second->done && now - it->second->done_at > kExitRecordLifetime) {
      drop(state, it);
    }
    it = next;
  }
  while (state.exits.size() >= kMaxExitRecords) {
    auto oldest = state.exits.begin();
    for (auto it = state.exits.begin(); it != state.exits.end(); ++it) {
      if (it->second->created < oldest->second->created) {
        oldest = it;
      }
    }
    drop(state, oldest);
  }
}

// ---- exec -------------------------------------------------------------------------------------

asio::awaitable<void> create_exec(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  Result<proto::ExecRequest> exec = parse_body<proto::ExecRequest>(request, "exec");
  if (exec && (exec->service.empty() || exec->command.empty() || exec->index < 1)) {
    exec =
        Error(ErrorCode::InvalidSpec, "exec needs a service, a command and an index of 1 or more");
  }
  if (!exec) {
    co_await respond_error(responder, exec.error());
    co_return;
  }
  const engine::ContainerListOptions list = engine::ContainerListOptions::labelled(
      {plan::label_filter(plan::label::kProject, *project),
       plan::label_filter(plan::label::kService, exec->service),
       plan::label_filter(plan::label::kNumber, std::to_string(exec->index))});
  Result<std::vector<engine::ContainerSummary>> found = co_await ctx.docker.list_containers(list);
  if (!found) {
    co_await respond_error(responder, found.error());
    co_return;
  }
  const engine::ContainerSummary* target = nullptr;
  for (const auto& c : *found) {
    if (plan::label_value(c.labels, plan::label::kOneoff) != "True") {
      target = &c;
      break;
    }
  }
  if (target == nullptr) {
    Error missing(ErrorCode::NotFound, "service " + exec->service + " of project " + *project +
                                           " has no container number " +
                                           std::to_string(exec->index) + " (is it up?)");
    co_await respond_error(responder, missing);
    co_return;
  }
  const std::string container = target->names.empty() ? target->id : target->names.front();
  if (target->state != "running") {
    Error stopped(ErrorCode::Conflict,
                  "container " + container + " is not running (" + target->state + ")");
    co_await respond_error(responder, stopped);
    co_return;
  }
  engine::ExecCreate create;
  create.cmd = exec->command;
  create.env = exec->env;
  create.user = exec->user;
  create.working_dir = exec->workdir;
  create.tty = exec->tty;
  create.attach_stdin = exec->stdin && !exec->detach;
  create.attach_stdout = !exec->detach;
  create.attach_stderr = !exec->detach;
  create.privileged = exec->privileged;
  std::string target_id = target->id;
  Result<std::string> id = co_await ctx.docker.create_exec(target_id, create);
  if (!id) {
    Error failure = id.error().with_context("creating an exec instance in " + container);
    co_await respond_error(responder, failure);
    co_return;
  }
  if (exec->detach) {
    std::string exec_id = *id;
    Result<void> started = co_await ctx.docker.start_exec_detached(exec_id);
    if (!started) {
      Error failure = started.error();
      failure.with_context("starting the exec instance in " + container);
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  nlohmann::json body = {{"id", *id}, {"container", container}, {"tty", exec->tty}};
  co_await responder.respond_json(201, body);
}

asio::awaitable<void> start_exec(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  Result<void> upgrade = require_upgrade(request);
  if (!project || !upgrade) {
    Error failure = !project ? project.error() : upgrade.error();
    co_await respond_error(responder, failure);
    co_return;
  }
  std::string id = request.param("id");
  Result<engine::ExecInspect> exec = co_await project_exec(ctx, *project, id);
  if (!exec) {
    co_await respond_error(responder, exec.error());
    co_return;
  }
  const bool tty = exec->tty;
  Result<std::unique_ptr<engine::ContainerStream>> session =
      co_await ctx.docker.start_exec(id, tty);
  if (!session) {
    Error failure = session.error().with_context("starting exec instance " + id);
    co_await respond_error(responder, failure);
    co_return;
  }
  responder.set_header("Content-Type", tty ? "application/vnd.docker.raw-stream"
                                           : "application/vnd.docker.multiplexed-stream");
  Stream* client = co_await responder.upgrade();
  if (client == nullptr) {
    (*session)->close();
    co_return;
  }
  co_await relay(*client, std::move(request.leftover), **session);
}

asio::awaitable<void> resize_exec(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  Result<std::pair<int, int>> size = terminal_size(request);
  if (!project || !size) {
    Error failure = !project ? project.error() : size.error();
    co_await respond_error(responder, failure);
    co_return;
  }
  std::string id = request.param("id");
  Result<engine::ExecInspect> exec = co_await project_exec(ctx, *project, id);
  if (!exec) {
    co_await respond_error(responder, exec.error());
    co_return;
  }
  Result<void> resized = co_await ctx.docker.resize_exec(id, size->first, size->second);
  if (!resized) {
    co_await respond_error(responder, resized.error());
    co_return;
  }
  co_await responder.respond(204, "application/json", "");
}

asio::awaitable<void> inspect_exec(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  std::string id = request.param("id");
  Result<engine::ExecInspect> exec = co_await project_exec(ctx, *project, id);
  if (!exec) {
    co_await respond_error(responder, exec.error());
    co_return;
  }
  nlohmann::json body = {{"running", exec->running}, {"exit_code", nullptr}};
  if (exec->exit_code) {
    body["exit_code"] = *exec->exit_code;
  }
  co_await responder.respond_json(200, body);
}

// ---- run --------------------------------------------------------------------------------------

asio::awaitable<void> run_one_off(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  Result<proto::RunRequest> run = parse_body<proto::RunRequest>(request, "run");
  if (run && run->service.empty()) {
    run = Error(ErrorCode::InvalidSpec, "run needs a service");
  }
  if (run && !run->inputs.project_name) {
    run->inputs.project_name = *project;
  }
  if (run && *run->inputs.project_name != *project) {
    run = Error(ErrorCode::InvalidSpec, "the project name in the path (" + *project +
                                            ") and the body (" + *run->inputs.project_name +
                                            ") differ");
  }
  if (!run) {
    co_await respond_error(responder, run.error());
    co_return;
  }
  proto::ComposeInputs inputs = run->inputs;
  std::function<Result<supervisor::LoadedInputs>()> load = [inputs]() {
    return supervisor::load_inputs(inputs);
  };
  Result<supervisor::LoadedInputs> loaded =
      co_await on_pool<supervisor::LoadedInputs>(ctx.blocking, load);
  if (loaded && loaded->spec.name != *project) {
    loaded = Error(ErrorCode::InvalidSpec,
                   "the files name project " + loaded->spec.name + ", not " + *project);
  }
  if (loaded && !loaded->spec.service(run->service)) {
    loaded = Error(ErrorCode::NotFound, "no such service: " + run->service);
  }
  if (!loaded) {
    co_await respond_error(responder, loaded.error());
    co_return;
  }
  if (!co_await claim(ctx, *project, responder)) {
    co_return;
  }
  ctx.operation_started(*project, "run");
  auto warnings = std::make_shared<std::vector<std::string>>();
  DaemonContext* context = &ctx;
  supervisor::ProgressSink sink = [context, warnings](const proto::ProgressEvent& event) {
    if (event.level != "info") {
      warnings->push_back(event.detail.empty() ? event.name + ": " + event.status
                                               : event.name + ": " + event.detail);
      context->log("warning", "run: " + warnings->back());
    }
  };
  std::string slug = random_slug();
  Result<supervisor::OneOffContainer> created =
      co_await supervisor::create_one_off(ctx.docker, ctx.operations, *loaded, *run, slug, sink);
  ctx.busy.erase(*project);
  Result<void> outcome = created ? Result<void>{} : Result<void>(created.error());
  ctx.operation_ended(*project, "run", outcome);
  if (!created) {
    co_await respond_error(responder, created.error());
    co_return;
  }
  ctx.log("info", "run " + *project + ": created " + created->name);
  nlohmann::json body = {
      {"id", created->id}, {"name", created->name}, {"tty", created->tty}, {"warnings", *warnings}};
  co_await responder.respond_json(201, body);
}

/// Reads the outcome of `wait` into `record` and wakes its waiters.
asio::awaitable<void> collect_exit(std::shared_ptr<engine::PendingWait> wait,
                                   std::shared_ptr<ExitRecord> record) {
  Result<engine::ContainerWait> outcome = co_await wait->result();
  if (outcome && outcome->error_message.empty()) {
    record->exit_code = outcome->status_code;
  } else if (outcome) {
    record->error = Error(ErrorCode::Internal, outcome->error_message);
  } else {
    record->error = outcome.error();
  }
  record->done = true;
  record->done_at = Clock::now();
  record->wait.reset();
  record->changed.notify_all();
}

asio::awaitable<void> attach_container(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  Result<void> upgrade = require_upgrade(request);
  if (!project || !upgrade) {
    Error failure = !project ? project.error() : upgrade.error();
    co_await respond_error(responder, failure);
    co_return;
  }
  std::string id = request.param("id");
  Result<engine::ContainerInspect> container = co_await project_container(ctx, *project, id);
  if (!container) {
    co_await respond_error(responder, container.error());
    co_return;
  }
  id = container->id;
  const bool tty = container->config.tty;
  engine::AttachOptions attach;
  attach.stdin_stream = container->config.open_stdin;
  attach.tty = tty;
  Result<std::unique_ptr<engine::ContainerStream>> session = co_await ctx.docker.attach(id, attach);
  if (!session) {
    Error failure = session.error().with_context("attaching to " + container->name);
    co_await respond_error(responder, failure);
    co_return;
  }
  const bool running = container->state.running;
  std::string condition = container->config.auto_remove ? "removed"
                          : running                     ? "not-running"
                                                        : "next-exit";
  Result<std::unique_ptr<engine::PendingWait>> wait = co_await ctx.docker.begin_wait(id, condition);
  if (!wait) {
    (*session)->close();
    Error failure = wait.error().with_context("waiting for " + container->name);
    co_await respond_error(responder, failure);
    co_return;
  }
  std::shared_ptr<engine::PendingWait> pending = std::move(*wait);
  if (!running) {
    Result<void> started = co_await ctx.docker.start_container(id);
    if (!started) {
      (*session)->close();
      pending->close();
      Error failure = started.error();
      failure.with_context("starting " + container->name);
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  auto record = std::make_shared<ExitRecord>(ctx.executor);
  record->project = *project;
  record->wait = pending;
  record->created = Clock::now();
  if (auto previous = state.exits.find(id); previous != state.exits.end()) {
    drop(state, previous); // attached again: the newer session's outcome counts
  }
  make_room(state);
  state.exits[id] = record;
  asio::co_spawn(ctx.executor, collect_exit(pending, record), [record](std::exception_ptr e) {
    if (e && !record->done) {
      record->error = Error(ErrorCode::Internal, "waiting for the container failed unexpectedly");
      record->done = true;
      record->done_at = Clock::now();
      record->changed.notify_all();
    }
  });

  responder.set_header("Content-Type", tty ? "application/vnd.docker.raw-stream"
                                           : "application/vnd.docker.multiplexed-stream");
  Stream* client = co_await responder.upgrade();
  if (client == nullptr) {
    (*session)->close();
    co_return;
  }
  co_await relay(*client, std::move(request.leftover), **session);
}

asio::awaitable<void> wait_container(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  std::string id = request.param("id");
  std::shared_ptr<ExitRecord> record;
  if (auto it = state.exits.find(id); it != state.exits.end() && it->second->project == *project) {
    record = it->second;
  }
  if (!record) {
    // Not attached through aicd (or collected already): ask the engine.
    Result<engine::ContainerInspect> container = co_await project_container(ctx, *project, id);
    if (!container) {
      co_await respond_error(responder, container.error());
      co_return;
    }
    std::string container_id = container->id;
    std::string condition = "not-running";
    Result<engine::ContainerWait> waited =
        co_await ctx.docker.wait_container(container_id, condition);
    if (!waited) {
      co_await respond_error(responder, waited.error());
      co_return;
    }
    nlohmann::json body = {{"exit_code", waited->status_code}};
    co_await responder.respond_json(200, body);
    co_return;
  }
  while (!record->done) {
    if (responder.client_gone()) {
      co_return; // the record stays for a later /wait
    }
    co_await record->changed.wait(kWaitPoll);
  }
  state.exits.erase(id);
  if (record->error) {
    Error failure = record->error->with_context("waiting for container " + id);
    co_await respond_error(responder, failure);
    co_return;
  }
  nlohmann::json body = {{"exit_code", *record->exit_code}};
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> resize_container(ExecState& state, Request& request, Responder& responder) {
  DaemonContext& ctx = state.ctx;
  Result<std::string> project = project_of(request);
  Result<std::pair<int, int>> size = terminal_size(request);
  if (!project || !size) {
    Error failure = !project ? project.error() : size.error();
    co_await respond_error(responder, failure);
    co_return;
  }
  std::string id = request.param("id");
  Result<engine::ContainerInspect> container = co_await project_container(ctx, *project, id);
  if (!container) {
    co_await respond_error(responder, container.error());
    co_return;
  }
  std::string container_id = container->id;
  Result<void> resized =
      co_await ctx.docker.resize_container(container_id, size->first, size->second);
  if (!resized) {
    co_await respond_error(responder, resized.error());
    co_return;
  }
  co_await responder.respond(204, "application/json", "");
}

} // namespace

void add_exec_routes(Router& router, DaemonContext& ctx) {
  auto state = std::make_shared<ExecState>(ctx);
  router.add(http::verb::post, "/v1/projects/{name}/exec", bind_exec(state, create_exec));
  router.add(http::verb::get, "/v1/projects/{name}/exec/{id}", bind_exec(state, inspect_exec));
  router.add(http::verb::post, "/v1/projects/{name}/exec/{id}/start", bind_exec(state, start_exec));
  router.add(http::verb::post, "/v1/projects/{name}/exec/{id}/resize",
             bind_exec(state, resize_exec));
  router.add(http::verb::post, "/v1/projects/{name}/run", bind_exec(state, run_one_off));
  router.add(http::verb::post, "/v1/projects/{name}/containers/{id}/attach",
             bind_exec(state, attach_container));
  router.add(http::verb::post, "/v1/projects/{name}/containers/{id}/wait",
             bind_exec(state, wait_container));
  router.add(http::verb::post, "/v1/projects/{name}/containers/{id}/resize",
             bind_exec(state, resize_container));
}

} // namespace aic::api
