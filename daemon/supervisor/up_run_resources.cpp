// UpRun: images, networks and volumes, before any container.
#include "supervisor/image_steps.hpp"
#include "supervisor/project_resources.hpp"
#include "supervisor/up_run.hpp"
#include "supervisor/up_run_support.hpp"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace up_detail;

asio::awaitable<Result<void>> UpRun::ensure_images() {
  std::set<std::string> done;
  for (const auto& name : selected_) {
    const compose::ServiceSpec* s = project_.spec.service(name);
    if (runs_[name].plan.steps.empty() || done.count(s->image) != 0) {
      continue;
    }
    done.insert(s->image);
    const compose::Node* node = service_node(project_.loaded, name);
    const compose::Node* pp = node->find("pull_policy");
    std::string policy = !options_.pull.empty()    ? options_.pull
                         : pp && !pp->text.empty() ? pp->text
                                                   : std::string("missing");
    bool has_build = s->build.has_value();
    bool build = has_build && (options_.build == "always" || policy == "build");
    bool pull = false;
    if (!build) {
      std::string image = s->image;
      Result<engine::ImageInspect> found = co_await docker_.inspect_image(image);
      if (!found && found.error().code() != ErrorCode::NotFound) {
        co_return std::move(found).error().with_context("inspecting image " + s->image);
      }
      if (found) {
        image_ids_[s->image] = found->id;
      }
      if (!found) {
        if (has_build && options_.build == "never") {
          co_return Error(ErrorCode::NotFound, "service " + name + ": image " + s->image +
                                                   " is missing and --no-build was given");
        }
        if (!has_build && policy == "never") {
          co_return Error(ErrorCode::NotFound, "service " + name + ": image " + s->image +
                                                   " is missing and pull_policy is never");
        }
        build = has_build;
        pull = !has_build;
      } else {
        pull = !has_build && policy == "always";
      }
    }
    if (build) {
      BuildFlags flags;
      flags.pull = options_.pull == "always";
      Result<std::string> built =
          co_await build_service_image(docker_, project_, name, flags, progress_);
      if (!built) {
        co_return std::move(built).error();
      }
      image_ids_[s->image] = *built;
    } else if (pull) {
      std::string image_name = s->image;
      Result<std::string> pulled = co_await pull_image(docker_, image_name, false, progress_);
      if (!pulled) {
        co_return std::move(pulled).error().with_context("pulling " + s->image + " for service " +
                                                         name);
      }
      if (!pulled->empty()) {
        image_ids_[s->image] = *pulled;
      }
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::ensure_networks() {
  co_return co_await supervisor::ensure_networks(docker_, project_, progress_);
}

asio::awaitable<Result<void>> UpRun::ensure_volumes() {
  co_return co_await supervisor::ensure_volumes(docker_, project_, progress_);
}

} // namespace aic::supervisor
