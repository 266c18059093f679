#include "api/container_routes.hpp"

#include "api/route_support.hpp"
#include "plan/naming.hpp"

#include <algorithm>
#include <boost/asio/detached.hpp>
#include <boost/beast/http/verb.hpp>
#include <set>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

/// Signals `kill` accepts by name, as `docker kill` does (with or without "SIG"), or numbers.
bool valid_signal(std::string_view s) {
  static constexpr std::string_view kNames[] = {
      "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1", "SEGV",
      "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN", "TTOU",
      "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "IO",   "PWR",  "SYS"};
  if (s.empty() || s.size() > 16) {
    return false;
  }
  if (std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return s.size() <= 2;
  }
  std::string_view name = s.rfind("SIG", 0) == 0 ? s.substr(3) : s;
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

/// The project's service containers (one-off ones left out), optionally only `services`;
/// NotFound naming a service that has none.
asio::awaitable<Result<std::vector<engine::ContainerSummary>>>
service_containers(DaemonContext& ctx, std::string project, std::vector<std::string> services,
                   bool all) {
  engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({plan::label_filter(plan::label::kProject, project)});
  list.all = all;
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await ctx.docker.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing containers of " + project);
  }
  std::set<std::string> wanted(services.begin(), services.end());
  std::set<std::string> seen;
  std::vector<engine::ContainerSummary> out;
  for (auto& c : *containers) {
    if (plan::label_value(c.labels, plan::label::kOneoff) == "True") {
      continue;
    }
    std::string service = plan::label_value(c.labels, plan::label::kService);
    seen.insert(service);
    if (wanted.empty() || wanted.count(service) != 0) {
      out.push_back(std::move(c));
    }
  }
  for (const auto& s : wanted) {
    if (seen.count(s) == 0) {
      co_return Error(ErrorCode::NotFound, "no container found for service \"" + s + "\"");
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    std::string sa = plan::label_value(a.labels, plan::label::kService);
    std::string sb = plan::label_value(b.labels, plan::label::kService);
    return std::tie(sa, a.names) < std::tie(sb, b.names);
  });
  co_return out;
}

std::string name_of(const engine::ContainerSummary& c) {
  return c.names.empty() ? c.id : c.names.front();
}

asio::awaitable<void> container_action(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string project = request.param("name");
  std::string verb = request.param("action");
  std::optional<supervisor::ContainerAction::Kind> kind = supervisor::container_action_kind(verb);
  if (!kind) {
    Error failure(ErrorCode::NotFound, "no such endpoint: POST " + request.path);
    co_await respond_error(responder, failure);
    co_return;
  }
  auto action = std::make_shared<supervisor::ContainerAction>();
  action->kind = *kind;
  action->services = split_list(request.query_value("services"));
  if (auto t = request.query_value("timeout")) {
    action->timeout_s = to_int(*t);
    if (!action->timeout_s) {
      Error failure(ErrorCode::InvalidSpec, "timeout must be a number of seconds");
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  if (auto s = request.query_value("signal")) {
    action->signal = std::string(*s);
    if (!valid_signal(action->signal)) {
      Error failure(ErrorCode::InvalidSpec, "invalid signal \"" + action->signal + "\"");
      co_await respond_error(responder, failure);
      co_return;
    }
  }
  action->stop_first = truthy(request.query_value("stop"));
  action->volumes = truthy(request.query_value("volumes"));
  DaemonContext* context = &ctx;
  OperationBody body = [context, project,
                        action](supervisor::ProgressSink sink) -> asio::awaitable<Result<void>> {
    supervisor::ContainerAction copy = *action;
    co_return co_await context->operations.act(project, copy, sink);
  };
  co_await stream_operation(ctx, responder, project, verb, body);
}

asio::awaitable<void> get_top(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string project = request.param("name");
  std::vector<std::string> services = split_list(request.query_value("services"));
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await service_containers(ctx, project, services, false);
  if (!containers) {
    co_await respond_error(responder, containers.error());
    co_return;
  }
  nlohmann::json body = nlohmann::json::array();
  for (const auto& c : *containers) {
    std::string id = c.id;
    Result<engine::ContainerTop> top = co_await ctx.docker.top_container(id);
    if (!top) {
      continue; // stopped meanwhile
    }
    body.push_back({{"container", name_of(c)},
                    {"service", plan::label_value(c.labels, plan::label::kService)},
                    {"titles", top->titles},
                    {"processes", top->processes}});
  }
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> get_port(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string project = request.param("name");
  std::string service(request.query_value("service").value_or(""));
  std::optional<int> port = to_int(request.query_value("port").value_or(""));
  std::string protocol(request.query_value("protocol").value_or("tcp"));
  std::optional<int> index = to_int(request.query_value("index").value_or("1"));
  if (service.empty() || !port || *port < 1 || *port > 65535 || !index || *index < 1 ||
      (protocol != "tcp" && protocol != "udp" && protocol != "sctp")) {
    Error failure(ErrorCode::InvalidSpec,
                  "port needs service, port (1-65535), and optionally protocol (tcp, udp, "
                  "sctp) and index (from 1)");
    co_await respond_error(responder, failure);
    co_return;
  }
  std::vector<std::string> only = {service};
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await service_containers(ctx, project, only, true);
  if (!containers) {
    co_await respond_error(responder, containers.error());
    co_return;
  }
  for (const auto& c : *containers) {
    if (plan::container_number(c.labels) != *index) {
      continue;
    }
    for (const auto& p : c.ports) {
      if (p.private_port == *port && p.type == protocol && p.public_port != 0) {
        nlohmann::json body = {
            {"container", name_of(c)}, {"host_ip", p.ip}, {"host_port", p.public_port}};
        co_await responder.respond_json(200, body);
        co_return;
      }
    }
    Error failure(ErrorCode::NotFound, "no port " + std::to_string(*port) + "/" + protocol +
                                           " published by " + name_of(c));
    co_await respond_error(responder, failure);
    co_return;
  }
  Error failure(ErrorCode::NotFound, "service \"" + service + "\" has no container with index " +
                                         std::to_string(*index));
  co_await respond_error(responder, failure);
}

asio::awaitable<void> get_images(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string project = request.param("name");
  std::vector<std::string> services = split_list(request.query_value("services"));
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await service_containers(ctx, project, services, true);
  if (!containers) {
    co_await respond_error(responder, containers.error());
    co_return;
  }
  nlohmann::json body = nlohmann::json::array();
  for (const auto& c : *containers) {
    std::string image_id = c.image_id;
    Result<engine::ImageInspect> image = co_await ctx.docker.inspect_image(image_id);
    std::string repository = c.image;
    std::string tag;
    std::int64_t size = 0;
    if (image) {
      size = image->size_bytes;
      if (!image->repo_tags.empty()) {
        // The tag the container was created with, when the image still has it.
        std::string chosen = image->repo_tags.front();
        for (const auto& t : image->repo_tags) {
          if (t == c.image || t == c.image + ":latest") {
            chosen = t;
          }
        }
        std::size_t colon = chosen.rfind(':');
        std::size_t slash = chosen.rfind('/');
        if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
          repository = chosen.substr(0, colon);
          tag = chosen.substr(colon + 1);
        } else {
          repository = chosen;
        }
      }
    }
    body.push_back({{"container", name_of(c)},
                    {"service", plan::label_value(c.labels, plan::label::kService)},
                    {"repository", repository},
                    {"tag", tag},
                    {"image_id", c.image_id},
                    {"size", size}});
  }
  co_await responder.respond_json(200, body);
}

/// Waits for the containers to stop, one NDJSON line per container as it stops:
/// {"container","service","exit_code"}, then {"done":true}. The client's leaving ends it.
asio::awaitable<void> wait_containers(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string project = request.param("name");
  std::vector<std::string> services = split_list(request.query_value("services"));
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await service_containers(ctx, project, services, true);
  if (!containers) {
    co_await respond_error(responder, containers.error());
    co_return;
  }
  struct Waiting {
    explicit Waiting(asio::any_io_executor ex) : signal(std::move(ex)) {}
    std::deque<std::string> lines;
    supervisor::Signal signal;
    int active = 0;
  };
  auto state = std::make_shared<Waiting>(ctx.executor);
  engine::DockerClient* docker = &ctx.docker;
  for (const auto& c : *containers) {
    nlohmann::json origin = {{"container", name_of(c)},
                             {"service", plan::label_value(c.labels, plan::label::kService)}};
    std::string id = c.id;
    ++state->active;
    auto task = [state, docker, id, origin]() -> asio::awaitable<void> {
      std::string cid = id;
      Result<engine::ContainerWait> waited = co_await docker->wait_container(cid);
      nlohmann::json line = origin;
      if (waited) {
        line["exit_code"] = waited->status_code;
      } else {
        line["error"] = waited.error().message();
      }
      state->lines.push_back(dump(line));
      --state->active;
      state->signal.notify_all();
    };
    asio::co_spawn(ctx.executor, std::move(task), asio::detached);
  }
  bool writing = co_await responder.start_stream(200, "application/x-ndjson");
  while (writing) {
    while (writing && !state->lines.empty()) {
      std::string line = std::move(state->lines.front());
      state->lines.pop_front();
      writing = co_await responder.write_line(line);
    }
    if (state->active == 0 && state->lines.empty()) {
      break;
    }
    if (responder.client_gone()) {
      co_return; // the engine waits end with their deadline
    }
    co_await state->signal.wait(std::chrono::seconds(1));
  }
  if (writing) {
    std::string last = dump(nlohmann::json{{"done", true}});
    co_await responder.write_line(last);
  }
}

} // namespace

void add_container_routes(Router& router, DaemonContext& ctx) {
  for (const char* action : {"start", "stop", "restart", "kill", "pause", "unpause", "rm"}) {
    std::string pattern = std::string("/v1/projects/{name}/") + action;
    DaemonContext* context = &ctx;
    std::string verb = action;
    router.add(http::verb::post, pattern, [context, verb](Request& request, Responder& responder) {
      request.params["action"] = verb;
      return container_action(*context, request, responder);
    });
  }
  router.add(http::verb::post, "/v1/projects/{name}/wait", bind(ctx, wait_containers));
  router.add(http::verb::get, "/v1/projects/{name}/top", bind(ctx, get_top));
  router.add(http::verb::get, "/v1/projects/{name}/port", bind(ctx, get_port));
  router.add(http::verb::get, "/v1/projects/{name}/images", bind(ctx, get_images));
}

} // namespace aic::api
