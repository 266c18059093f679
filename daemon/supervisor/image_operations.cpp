#include "supervisor/image_operations.hpp"

#include "plan/dependency_graph.hpp"
#include "supervisor/image_steps.hpp"
#include "supervisor/up_run_support.hpp"

#include <algorithm>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

void emit(const ProgressSink& progress, std::string kind, std::string name, std::string status,
          std::string detail = {}, std::string level = "info") {
  if (progress) {
    proto::ProgressEvent event{std::move(kind), std::move(name), std::move(status),
                               std::move(detail), std::move(level)};
    progress(event);
  }
}

Result<void> check_services(const LoadedInputs& project, const std::vector<std::string>& names) {
  std::vector<std::string> unknown;
  for (const auto& s : names) {
    if (project.spec.service(s) == nullptr) {
      unknown.push_back("no such service: " + s);
    }
  }
  if (unknown.empty()) {
    return {};
  }
  if (unknown.size() == 1) {
    return Error(ErrorCode::InvalidSpec, unknown.front());
  }
  return Error(ErrorCode::InvalidSpec, "no such services", unknown);
}

/// "context: context: message", without the details.
std::string headline(const Error& error) {
  std::string out;
  for (const auto& c : error.context()) {
    out += c + ": ";
  }
  return out + error.message();
}

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::vector<std::string> all_services(const LoadedInputs& project) {
  std::vector<std::string> names;
  for (const auto& s : project.spec.services) {
    names.push_back(s.name);
  }
  return sorted_unique(std::move(names));
}

/// The pull_policy of a service as written ("" when none).
std::string pull_policy(const LoadedInputs& project, const std::string& service) {
  const compose::Node* node = up_detail::service_node(project.loaded, service);
  const compose::Node* policy = node != nullptr ? node->find("pull_policy") : nullptr;
  return policy != nullptr ? policy->text : std::string();
}

bool has_explicit_image(const LoadedInputs& project, const std::string& service) {
  const compose::Node* node = up_detail::service_node(project.loaded, service);
  const compose::Node* image = node != nullptr ? node->find("image") : nullptr;
  return image != nullptr && !image->text.empty();
}

} // namespace

Result<void> validate_build(const LoadedInputs& project, const proto::BuildRequest& request) {
  return check_services(project, request.services);
}

asio::awaitable<Result<void>> build_images(engine::DockerClient& docker,
                                           const LoadedInputs& project,
                                           const proto::BuildRequest& request,
                                           ProgressSink progress) {
  if (Result<void> valid = validate_build(project, request); !valid) {
    co_return valid;
  }
  std::vector<std::string> selected =
      request.services.empty() ? all_services(project) : sorted_unique(request.services);
  BuildFlags flags;
  flags.pull = request.pull;
  flags.no_cache = request.no_cache;
  flags.build_args = request.build_args;
  flags.quiet = request.quiet;
  std::set<std::string> built;
  for (const auto& name : selected) {
    const compose::ServiceSpec* s = project.spec.service(name);
    if (!s->build || built.count(s->image) != 0) {
      continue; // as Compose: a service without build: has nothing to build
    }
    built.insert(s->image);
    std::string service = name;
    Result<std::string> id =
        co_await build_service_image(docker, project, service, flags, progress);
    if (!id) {
      co_return std::move(id).error();
    }
  }
  co_return Result<void>{};
}

Result<void> validate_pull(const LoadedInputs& project, const proto::PullRequest& request) {
  if (!request.policy.empty() && request.policy != "missing" && request.policy != "always") {
    return Error(ErrorCode::InvalidSpec,
                 "invalid pull policy \"" + request.policy + "\": use missing or always");
  }
  return check_services(project, request.services);
}

asio::awaitable<Result<void>> pull_images(engine::DockerClient& docker, const LoadedInputs& project,
                                          const proto::PullRequest& request,
                                          ProgressSink progress) {
  if (Result<void> valid = validate_pull(project, request); !valid) {
    co_return valid;
  }
  std::vector<std::string> selected;
  if (request.services.empty()) {
    selected = all_services(project);
  } else if (request.include_deps) {
    plan::DependencyGraph graph(project.spec);
    selected = graph.with_dependencies(request.services);
  } else {
    selected = sorted_unique(request.services);
  }
  std::set<std::string> pulled;
  std::vector<std::string> must_build;
  std::optional<Error> first_failure;
  std::vector<std::string> other_failures;
  for (const auto& name : selected) {
    const compose::ServiceSpec* s = project.spec.service(name);
    if (!has_explicit_image(project, name)) {
      emit(progress, "service", name, "Skipped", "no image to be pulled");
      continue;
    }
    const std::string image = s->image;
    const std::string policy = request.policy.empty() ? pull_policy(project, name) : request.policy;
    if (policy == "never" || policy == "build") {
      emit(progress, "image", image, "Skipped", "pull_policy is " + policy);
      continue;
    }
    if (policy == "missing" || policy == "if_not_present") {
      Result<engine::ImageInspect> found = co_await docker.inspect_image(image);
      if (found) {
        emit(progress, "image", image, "Skipped", "image is already present locally");
        continue;
      }
      if (found.error().code() != ErrorCode::NotFound) {
        co_return std::move(found).error().with_context("inspecting image " + image);
      }
    }
    if (s->build && request.ignore_buildable) {
      emit(progress, "image", image, "Skipped", "image can be built");
      continue;
    }
    if (pulled.count(image) != 0) {
      continue;
    }
    pulled.insert(image);
    Result<std::string> done = co_await pull_image(docker, image, request.quiet, progress);
    if (done) {
      continue;
    }
    Error failure = std::move(done).error();
    failure.with_context("service " + name); // the engine client names the image
    if (s->build) {
      must_build.push_back(name);
    }
    if (!request.ignore_pull_failures && !s->build) {
      co_return failure; // it can be neither pulled nor built
    }
    emit(progress, "image", image, "Error", failure.describe(), "warning");
    if (!first_failure) {
      first_failure = failure;
    } else {
      other_failures.push_back(failure.describe());
    }
  }
  if (!must_build.empty()) {
    std::string names;
    for (const auto& n : must_build) {
      names += " " + n;
    }
    emit(progress, "project", project.spec.name, "Warning",
         "some service image(s) must be built from source by running: aic build" + names,
         "warning");
  }
  if (first_failure && !request.ignore_pull_failures) {
    if (other_failures.empty()) {
      co_return *first_failure;
    }
    std::vector<std::string> details = first_failure->details();
    details.insert(details.end(), other_failures.begin(), other_failures.end());
    co_return Error(first_failure->code(), headline(*first_failure), details);
  }
  co_return Result<void>{};
}

} // namespace aic::supervisor
