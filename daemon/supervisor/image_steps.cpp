#include "supervisor/image_steps.hpp"

#include "plan/naming.hpp"
#include "supervisor/up_run_support.hpp"

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

void emit(const ProgressSink& progress, const std::string& image, std::string status,
          std::string detail = {}) {
  if (progress) {
    proto::ProgressEvent event{"image", image, std::move(status), std::move(detail), "info"};
    progress(event);
  }
}

} // namespace

asio::awaitable<Result<std::string>> build_service_image(engine::DockerClient& docker,
                                                         const LoadedInputs& project,
                                                         std::string service, BuildFlags flags,
                                                         ProgressSink progress) {
  const compose::ServiceSpec* s = project.spec.service(service);
  if (s == nullptr || !s->build) {
    co_return Error(ErrorCode::Internal, "service " + service + " has no build section");
  }
  const std::string image = s->image;
  emit(progress, image, "Building");
  engine::BuildOptions b;
  b.context_dir = s->build->context;
  b.dockerfile = s->build->dockerfile;
  b.target = s->build->target;
  b.build_args = s->build->args;
  for (const auto& [key, value] : flags.build_args) {
    b.build_args[key] = value;
  }
  b.tags = {image};
  // Labelled like the containers, so images aic built can be found (and cleaned up) by project.
  b.labels[std::string(plan::label::kProject)] = project.spec.name;
  b.labels[std::string(plan::label::kService)] = service;
  if (const compose::Node* node = up_detail::service_node(project.loaded, service)) {
    if (const compose::Node* build_node = node->find("build")) {
      if (const compose::Node* labels = build_node->find("labels")) {
        for (const auto& e : labels->entries) {
          b.labels[e.key] = e.value.text;
        }
      }
    }
  }
  b.pull = flags.pull;
  b.no_cache = flags.no_cache;
  const bool quiet = flags.quiet;
  engine::ProgressCallback on_progress = [progress, image,
                                          quiet](const engine::ProgressMessage& m) {
    if (quiet) {
      return;
    }
    std::string line = m.stream;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.pop_back();
    }
    if (!line.empty()) {
      emit(progress, image, "Building", line);
    }
  };
  Result<engine::BuildResult> built = co_await docker.build_image(b, on_progress);
  if (!built) {
    co_return std::move(built).error().with_context("building " + image + " for service " +
                                                    service);
  }
  emit(progress, image, "Built");
  co_return built->image_id;
}

asio::awaitable<Result<std::string>> pull_image(engine::DockerClient& docker, std::string image,
                                                bool quiet, ProgressSink progress) {
  emit(progress, image, "Pulling");
  engine::ProgressCallback on_progress = [progress, image,
                                          quiet](const engine::ProgressMessage& m) {
    if (!quiet && !m.status.empty()) {
      emit(progress, image, "Pulling", m.id.empty() ? m.status : m.id + ": " + m.status);
    }
  };
  Result<void> pulled = co_await docker.pull_image(image, on_progress);
  if (!pulled) {
    co_return std::move(pulled).error();
  }
  Result<engine::ImageInspect> inspected = co_await docker.inspect_image(image);
  emit(progress, image, "Pulled");
  co_return inspected ? inspected->id : std::string();
}

} // namespace aic::supervisor
