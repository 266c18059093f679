// UpRun: images, networks and volumes, before any container.
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
      emit("image", s->image, "Building");
      engine::BuildOptions b;
      b.context_dir = s->build->context;
      b.dockerfile = s->build->dockerfile;
      b.target = s->build->target;
      b.build_args = s->build->args;
      b.tags = {s->image};
      // Labelled like the containers, so images aic built can be found (and cleaned up) by
      // project.
      b.labels[std::string(plan::label::kProject)] = project_.spec.name;
      b.labels[std::string(plan::label::kService)] = name;
      if (const compose::Node* build_node = node->find("build")) {
        if (const compose::Node* labels = build_node->find("labels")) {
          for (const auto& e : labels->entries) {
            b.labels[e.key] = e.value.text;
          }
        }
      }
      b.pull = options_.pull == "always";
      std::string image_name = s->image;
      engine::ProgressCallback on_progress = [this, image_name](const engine::ProgressMessage& m) {
        std::string line = m.stream;
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
          line.pop_back();
        }
        if (!line.empty()) {
          emit("image", image_name, "Building", line);
        }
      };
      Result<engine::BuildResult> built = co_await docker_.build_image(b, on_progress);
      if (!built) {
        co_return std::move(built).error().with_context("building " + s->image + " for service " +
                                                        name);
      }
      image_ids_[s->image] = built->image_id;
      emit("image", s->image, "Built");
    } else if (pull) {
      emit("image", s->image, "Pulling");
      std::string image_name = s->image;
      engine::ProgressCallback on_progress = [this, image_name](const engine::ProgressMessage& m) {
        if (!m.status.empty()) {
          emit("image", image_name, "Pulling", m.id.empty() ? m.status : m.id + ": " + m.status);
        }
      };
      Result<void> pulled = co_await docker_.pull_image(image_name, on_progress);
      if (!pulled) {
        co_return std::move(pulled).error().with_context("pulling " + s->image + " for service " +
                                                         name);
      }
      Result<engine::ImageInspect> pulled_image = co_await docker_.inspect_image(image_name);
      if (pulled_image) {
        image_ids_[s->image] = pulled_image->id;
      }
      emit("image", s->image, "Pulled");
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::ensure_networks() {
  const compose::Node* networks = project_.loaded.model.find("networks");
  for (const auto& n : project_.spec.networks) {
    std::string name = n.name;
    Result<engine::NetworkInspect> found = co_await docker_.inspect_network(name);
    if (found) {
      continue;
    }
    if (found.error().code() != ErrorCode::NotFound) {
      co_return std::move(found).error().with_context("inspecting network " + n.name);
    }
    if (n.external) {
      co_return Error(ErrorCode::NotFound,
                      "network " + n.name + " declared as external, but could not be found");
    }
    emit("network", n.name, "Creating");
    engine::NetworkCreate create;
    create.name = n.name;
    create.driver = n.driver;
    create.internal = n.internal;
    create.attachable = n.attachable;
    create.options = n.driver_opts;
    create.labels = plan::network_labels(project_.spec, n);
    create.check_duplicate = true;
    if (const compose::Node* node = networks ? networks->find(n.key) : nullptr) {
      if (const compose::Node* v6 = node->find("enable_ipv6")) {
        create.enable_ipv6 = v6->text == "true";
      }
      if (const compose::Node* ipam = node->find("ipam")) {
        if (const compose::Node* d = ipam->find("driver")) {
          create.ipam.driver = d->text;
        }
        if (const compose::Node* config = ipam->find("config"); config && config->is_sequence()) {
          for (const auto& item : config->items) {
            engine::IpamPool pool;
            if (const compose::Node* v = item.find("subnet")) {
              pool.subnet = v->text;
            }
            if (const compose::Node* v = item.find("ip_range")) {
              pool.ip_range = v->text;
            }
            if (const compose::Node* v = item.find("gateway")) {
              pool.gateway = v->text;
            }
            create.ipam.config.push_back(pool);
          }
        }
      }
    }
    Result<engine::CreatedId> created = co_await docker_.create_network(create);
    if (!created && created.error().code() != ErrorCode::Conflict) {
      co_return std::move(created).error().with_context("creating network " + n.name);
    }
    emit("network", n.name, "Created");
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::ensure_volumes() {
  for (const auto& v : project_.spec.volumes) {
    std::string name = v.name;
    Result<engine::VolumeInspect> found = co_await docker_.inspect_volume(name);
    if (found) {
      continue;
    }
    if (found.error().code() != ErrorCode::NotFound) {
      co_return std::move(found).error().with_context("inspecting volume " + v.name);
    }
    if (v.external) {
      co_return Error(ErrorCode::NotFound,
                      "volume " + v.name + " declared as external, but could not be found");
    }
    emit("volume", v.name, "Creating");
    engine::VolumeCreate create;
    create.name = v.name;
    create.driver = v.driver;
    create.driver_opts = v.driver_opts;
    create.labels = plan::volume_labels(project_.spec, v);
    Result<engine::VolumeInspect> created = co_await docker_.create_volume(create);
    if (!created) {
      co_return std::move(created).error().with_context("creating volume " + v.name);
    }
    emit("volume", v.name, "Created");
  }
  co_return Result<void>{};
}

} // namespace aic::supervisor
