#include "api/archive_routes.hpp"

#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "plan/naming.hpp"
#include "proto/archive_types.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

/// A container a cp request addresses.
struct Target {
  std::string id;
  proto::ArchiveTarget info;
};

/// The query of an archive request, checked.
struct ArchiveQuery {
  std::string project;
  std::string service;
  std::optional<int> index;
  std::string container;
  bool all = false;
  std::string path;
};

Result<ArchiveQuery> parse_query(const Request& request) {
  ArchiveQuery q;
  q.project = request.param("name");
  q.service = std::string(request.query_value("service").value_or(""));
  q.container = std::string(request.query_value("container").value_or(""));
  q.path = std::string(request.query_value("path").value_or(""));
  q.all = truthy(request.query_value("all"));
  if (q.service.empty()) {
    return Error(ErrorCode::InvalidSpec, "the query parameter service is required");
  }
  if (q.path.empty()) {
    return Error(ErrorCode::InvalidSpec, "the query parameter path is required");
  }
  if (auto index = request.query_value("index")) {
    q.index = to_int(*index);
    if (!q.index || *q.index < 1) {
      return Error(ErrorCode::InvalidSpec, "index must be a container number from 1");
    }
  }
  if (q.index && !q.container.empty()) {
    return Error(ErrorCode::InvalidSpec, "index and container cannot be combined");
  }
  return q;
}

/// The containers of the project's service that `q` addresses, one-offs last, then by number.
asio::awaitable<Result<std::vector<Target>>> resolve_targets(DaemonContext& ctx, ArchiveQuery q) {
  const engine::ContainerListOptions list = engine::ContainerListOptions::labelled(
      {plan::label_filter(plan::label::kProject, q.project),
       plan::label_filter(plan::label::kService, q.service)});
  Result<std::vector<engine::ContainerSummary>> containers =
      co_await ctx.docker.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing the containers of " + q.project);
  }
  std::vector<Target> targets;
  for (const auto& c : *containers) {
    // The engine filtered by label already; checked again, as the labels are the boundary.
    if (plan::label_value(c.labels, plan::label::kProject) != q.project ||
        plan::label_value(c.labels, plan::label::kService) != q.service) {
      continue;
    }
    Target t;
    t.id = c.id;
    t.info.container = c.names.empty() ? c.id : c.names.front();
    t.info.service = q.service;
    t.info.number = plan::container_number(c.labels);
    t.info.oneoff = plan::label_value(c.labels, plan::label::kOneoff) == "True";
    const bool wanted = !q.container.empty() ? t.info.container == q.container
                        : q.index            ? !t.info.oneoff && t.info.number == *q.index
                                             : !t.info.oneoff || q.all;
    if (wanted) {
      targets.push_back(std::move(t));
    }
  }
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
    return std::tie(a.info.oneoff, a.info.number, a.info.container) <
           std::tie(b.info.oneoff, b.info.number, b.info.container);
  });
  if (targets.empty()) {
    std::string what = "service \"" + q.service + "\" of project " + q.project;
    if (!q.container.empty()) {
      co_return Error(ErrorCode::NotFound,
                      "no container " + q.container + " belongs to the " + what);
    }
    if (q.index) {
      co_return Error(ErrorCode::NotFound,
                      "the " + what + " has no container number " + std::to_string(*q.index));
    }
    co_return Error(ErrorCode::NotFound, "no container found for the " + what);
  }
  co_return targets;
}

proto::PathStat to_proto(const engine::PathStat& s) {
  return proto::PathStat{s.name, s.size, s.mode, s.mtime, s.link_target};
}

bool is_base64(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=' || c == '-' || c == '_';
  });
}

asio::awaitable<void> stat_path(DaemonContext& ctx, Request& request, Responder& responder) {
  Result<ArchiveQuery> query = parse_query(request);
  if (!query) {
    co_await respond_error(responder, query.error());
    co_return;
  }
  ArchiveQuery q = *query;
  Result<std::vector<Target>> targets = co_await resolve_targets(ctx, q);
  if (!targets) {
    co_await respond_error(responder, targets.error());
    co_return;
  }
  nlohmann::json list = nlohmann::json::array();
  for (auto& t : *targets) {
    std::string id = t.id;
    std::string path = q.path;
    Result<engine::PathStat> stat = co_await ctx.docker.stat_container_path(id, path);
    if (stat) {
      t.info.stat = to_proto(*stat);
    } else if (stat.error().code() != ErrorCode::NotFound) {
      Error failure = stat.error();
      failure.with_context("stat of " + q.path + " in " + t.info.container);
      co_await respond_error(responder, failure);
      co_return;
    }
    list.push_back(t.info);
  }
  nlohmann::json body = {{"containers", std::move(list)}};
  co_await responder.respond_json(200, body);
}

asio::awaitable<void> get_archive(DaemonContext& ctx, Request& request, Responder& responder) {
  Result<ArchiveQuery> query = parse_query(request);
  if (!query) {
    co_await respond_error(responder, query.error());
    co_return;
  }
  ArchiveQuery q = *query;
  Result<std::vector<Target>> targets = co_await resolve_targets(ctx, q);
  if (!targets) {
    co_await respond_error(responder, targets.error());
    co_return;
  }
  // Copying out of several containers makes no sense: the first (lowest number) one.
  const Target target = targets->front();
  std::string id = target.id;
  std::string path = q.path;
  Result<std::unique_ptr<engine::HttpStream>> opened = co_await ctx.docker.get_archive(id, path);
  if (!opened) {
    Error failure = opened.error();
    failure.with_context("copying " + q.path + " from " + target.info.container);
    co_await respond_error(responder, failure);
    co_return;
  }
  std::unique_ptr<engine::HttpStream> stream = std::move(*opened);
  const auto stat = stream->headers().find("x-docker-container-path-stat");
  if (stat != stream->headers().end() && is_base64(stat->second)) {
    responder.set_header("X-Docker-Container-Path-Stat", stat->second);
  }
  responder.set_header("X-Aic-Container", target.info.container);
  // One piece of the engine's stream at a time, written before the next is read: the engine is
  // read only as fast as the client takes the tar.
  bool writing = co_await responder.start_stream(200, "application/x-tar");
  while (writing) {
    Result<std::optional<std::string>> piece = co_await stream->read(kArchiveReadIdle);
    if (!piece) {
      // The tar is incomplete: cut the answer so the client cannot take it for a whole one.
      ctx.log("warning", "copying " + q.path + " from " + target.info.container + ": " +
                             piece.error().describe());
      responder.abort();
      co_return;
    }
    if (!*piece) {
      break;
    }
    writing = co_await responder.write(**piece);
  }
  stream->close();
  if (writing) {
    co_await responder.finish();
  }
}

asio::awaitable<void> put_archive(DaemonContext& ctx, Request& request, Responder& responder) {
  Result<ArchiveQuery> query = parse_query(request);
  if (!query) {
    co_await respond_error(responder, query.error());
    co_return;
  }
  ArchiveQuery q = *query;
  if (request.body.empty()) {
    Error failure(ErrorCode::InvalidSpec, "the request body must be a tar archive");
    co_await respond_error(responder, failure);
    co_return;
  }
  Result<std::vector<Target>> targets = co_await resolve_targets(ctx, q);
  if (!targets) {
    co_await respond_error(responder, targets.error());
    co_return;
  }
  engine::PutArchiveOptions options;
  options.copy_uid_gid = truthy(request.query_value("copy_uid_gid"));
  options.no_overwrite_dir_non_dir = true;
  nlohmann::json names = nlohmann::json::array();
  for (const auto& t : *targets) {
    std::string id = t.id;
    std::string path = q.path;
    std::string tar = request.body;
    Result<void> put = co_await ctx.docker.put_archive(id, path, std::move(tar), options);
    if (!put) {
      Error failure = put.error();
      failure.with_context("copying to " + q.path + " in " + t.info.container);
      co_await respond_error(responder, failure);
      co_return;
    }
    names.push_back(t.info.container);
  }
  nlohmann::json body = {{"containers", std::move(names)}};
  co_await responder.respond_json(200, body);
}

} // namespace

void add_archive_routes(Router& router, DaemonContext& ctx) {
  router.add(http::verb::get, "/v1/projects/{name}/archive/stat", bind(ctx, stat_path));
  router.add(http::verb::get, "/v1/projects/{name}/archive", bind(ctx, get_archive));
  router.add(http::verb::put, "/v1/projects/{name}/archive", bind(ctx, put_archive));
}

} // namespace aic::api
