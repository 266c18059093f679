#include "api/image_routes.hpp"

#include "api/responder.hpp"
#include "api/route_support.hpp"
#include "proto/image_requests.hpp"
#include "supervisor/image_operations.hpp"

#include <nlohmann/json.hpp>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

/// The request body as T; an error (400) when it is not a valid one.
template <typename T>
Result<std::shared_ptr<T>> parse_body(const Request& request, const std::string& what) {
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(ErrorCode::InvalidSpec, "the request body is not a JSON object");
  }
  auto out = std::make_shared<T>();
  try {
    *out = body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::InvalidSpec, "invalid " + what + " request: " + e.what());
  }
  return out;
}

/// Loads the project the CLI sent, as `up` does, and checks that it is the one in the path.
asio::awaitable<Result<std::shared_ptr<supervisor::LoadedInputs>>>
load_project(DaemonContext& ctx, std::string name, proto::ComposeInputs inputs) {
  if (!inputs.project_name) {
    inputs.project_name = name;
  }
  if (*inputs.project_name != name) {
    co_return Error(ErrorCode::InvalidSpec, "the project name in the path (" + name +
                                                ") and the body (" + *inputs.project_name +
                                                ") differ");
  }
  std::function<Result<supervisor::LoadedInputs>()> load = [inputs]() {
    return supervisor::load_inputs(inputs);
  };
  Result<supervisor::LoadedInputs> loaded =
      co_await on_pool<supervisor::LoadedInputs>(ctx.blocking, load);
  if (!loaded) {
    co_return std::move(loaded).error();
  }
  if (loaded->spec.name != name) {
    co_return Error(ErrorCode::InvalidSpec,
                    "the files name project " + loaded->spec.name + ", not " + name);
  }
  co_return std::make_shared<supervisor::LoadedInputs>(std::move(*loaded));
}

asio::awaitable<void> post_build(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  Result<std::shared_ptr<proto::BuildRequest>> parsed =
      parse_body<proto::BuildRequest>(request, "build");
  if (!parsed) {
    co_await respond_error(responder, parsed.error());
    co_return;
  }
  std::shared_ptr<proto::BuildRequest> build = *parsed;
  proto::ComposeInputs inputs = build->inputs;
  Result<std::shared_ptr<supervisor::LoadedInputs>> project =
      co_await load_project(ctx, name, inputs);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  if (Result<void> valid = supervisor::validate_build(**project, *build); !valid) {
    co_await respond_error(responder, valid.error());
    co_return;
  }
  std::shared_ptr<supervisor::LoadedInputs> loaded = *project;
  DaemonContext* context = &ctx;
  OperationBody body = [context, loaded,
                        build](supervisor::ProgressSink sink) -> asio::awaitable<Result<void>> {
    co_return co_await supervisor::build_images(context->docker, *loaded, *build, sink);
  };
  std::string what = "build";
  co_await stream_operation(ctx, responder, name, what, body);
}

asio::awaitable<void> post_pull(DaemonContext& ctx, Request& request, Responder& responder) {
  std::string name = request.param("name");
  Result<std::shared_ptr<proto::PullRequest>> parsed =
      parse_body<proto::PullRequest>(request, "pull");
  if (!parsed) {
    co_await respond_error(responder, parsed.error());
    co_return;
  }
  std::shared_ptr<proto::PullRequest> pull = *parsed;
  proto::ComposeInputs inputs = pull->inputs;
  Result<std::shared_ptr<supervisor::LoadedInputs>> project =
      co_await load_project(ctx, name, inputs);
  if (!project) {
    co_await respond_error(responder, project.error());
    co_return;
  }
  if (Result<void> valid = supervisor::validate_pull(**project, *pull); !valid) {
    co_await respond_error(responder, valid.error());
    co_return;
  }
  std::shared_ptr<supervisor::LoadedInputs> loaded = *project;
  DaemonContext* context = &ctx;
  OperationBody body = [context, loaded,
                        pull](supervisor::ProgressSink sink) -> asio::awaitable<Result<void>> {
    co_return co_await supervisor::pull_images(context->docker, *loaded, *pull, sink);
  };
  std::string what = "pull";
  co_await stream_operation(ctx, responder, name, what, body);
}

} // namespace

void add_image_routes(Router& router, DaemonContext& ctx) {
  router.add(http::verb::post, "/v1/projects/{name}/build", bind(ctx, post_build));
  router.add(http::verb::post, "/v1/projects/{name}/pull", bind(ctx, post_pull));
}

} // namespace aic::api
