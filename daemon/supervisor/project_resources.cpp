#include "supervisor/project_resources.hpp"

#include "plan/naming.hpp"
#include "supervisor/async_sync.hpp"

#include <algorithm>
#include <boost/asio/this_coro.hpp>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

void emit(const ProgressSink& progress, std::string kind, std::string name, std::string status) {
  if (progress) {
    proto::ProgressEvent event{std::move(kind), std::move(name), std::move(status), "", "info"};
    progress(event);
  }
}

/// The networks named exactly `name` (the engine's name filter also matches parts of names).
asio::awaitable<Result<std::vector<engine::NetworkInspect>>>
networks_named(engine::DockerClient& docker, const std::string& name) {
  engine::Filters filters;
  filters["name"] = {name};
  Result<std::vector<engine::NetworkInspect>> listed = co_await docker.list_networks(filters);
  if (!listed) {
    co_return std::move(listed).error().with_context("listing networks named " + name);
  }
  std::erase_if(*listed, [&name](const engine::NetworkInspect& n) { return n.name != name; });
  co_return listed;
}

/// Leaves one network of several that carry the same name and this project's label. The engine
/// allows that (its duplicate check is best effort), and an `up` cut off by a crash while its
/// network create was in flight leaves one behind for the next `up` to race with; containers
/// naming an ambiguous network then fail to start. Keeps the one containers use, else the
/// lowest ID; removes the others. Networks of other projects are never touched.
asio::awaitable<Result<void>> remove_duplicates(engine::DockerClient& docker,
                                                const std::string& project,
                                                std::vector<engine::NetworkInspect> same,
                                                const ProgressSink& progress) {
  std::erase_if(same, [&project](const engine::NetworkInspect& n) {
    return plan::label_value(n.labels, plan::label::kProject) != project;
  });
  if (same.size() < 2) {
    co_return Result<void>{};
  }
  std::sort(same.begin(), same.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  std::size_t keep = 0;
  for (std::size_t i = 0; i < same.size(); ++i) {
    Result<engine::NetworkInspect> full = co_await docker.inspect_network(same[i].id);
    if (full && !full->containers.empty()) {
      keep = i;
      break;
    }
  }
  for (std::size_t i = 0; i < same.size(); ++i) {
    if (i == keep) {
      continue;
    }
    Result<void> removed = co_await docker.remove_network(same[i].id);
    if (!removed && removed.error().code() != ErrorCode::NotFound) {
      co_return std::move(removed).error().with_context("removing a duplicate of network " +
                                                        same[i].name);
    }
    emit(progress, "network", same[i].name, "Removed duplicate " + same[i].id.substr(0, 12));
  }
  co_return Result<void>{};
}

} // namespace

asio::awaitable<Result<void>> ensure_networks(engine::DockerClient& docker,
                                              const LoadedInputs& project, ProgressSink progress) {
  const compose::Node* networks = project.loaded.model.find("networks");
  for (const auto& n : project.spec.networks) {
    std::string name = n.name;
    if (n.external) {
      // By name or ID, as the engine resolves it; never created, never deduplicated.
      Result<engine::NetworkInspect> external = co_await docker.inspect_network(name);
      if (external) {
        continue;
      }
      if (external.error().code() != ErrorCode::NotFound) {
        co_return std::move(external).error().with_context("inspecting network " + n.name);
      }
      co_return Error(ErrorCode::NotFound,
                      "network " + n.name + " declared as external, but could not be found");
    }
    Result<std::vector<engine::NetworkInspect>> found = co_await networks_named(docker, name);
    if (!found) {
      co_return std::move(found).error();
    }
    if (!found->empty()) {
      Result<void> deduplicated =
          co_await remove_duplicates(docker, project.spec.name, std::move(*found), progress);
      if (!deduplicated) {
        co_return deduplicated;
      }
      continue;
    }
    emit(progress, "network", n.name, "Creating");
    engine::NetworkCreate create;
    create.name = n.name;
    create.driver = n.driver;
    create.internal = n.internal;
    create.attachable = n.attachable;
    create.options = n.driver_opts;
    create.labels = plan::network_labels(project.spec, n);
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
    Result<engine::CreatedId> created = co_await docker.create_network(create);
    if (!created && created.error().code() != ErrorCode::Conflict) {
      co_return std::move(created).error().with_context("creating network " + n.name);
    }
    emit(progress, "network", n.name, "Created");
    // A create still in flight from an up that crashed may have made one too.
    Result<std::vector<engine::NetworkInspect>> now = co_await networks_named(docker, name);
    if (!now) {
      co_return std::move(now).error();
    }
    Result<void> deduplicated =
        co_await remove_duplicates(docker, project.spec.name, std::move(*now), progress);
    if (!deduplicated) {
      co_return deduplicated;
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ensure_volumes(engine::DockerClient& docker,
                                             const LoadedInputs& project, ProgressSink progress) {
  // Volumes do not depend on one another: every one is checked (and created) at once.
  std::vector<Task> tasks;
  for (const auto& v : project.spec.volumes) {
    tasks.push_back([&docker, &project, &v, &progress]() -> asio::awaitable<Result<void>> {
      std::string name = v.name;
      Result<engine::VolumeInspect> found = co_await docker.inspect_volume(name);
      if (found) {
        co_return Result<void>{};
      }
      if (found.error().code() != ErrorCode::NotFound) {
        co_return std::move(found).error().with_context("inspecting volume " + v.name);
      }
      if (v.external) {
        co_return Error(ErrorCode::NotFound,
                        "volume " + v.name + " declared as external, but could not be found");
      }
      emit(progress, "volume", v.name, "Creating");
      engine::VolumeCreate create;
      create.name = v.name;
      create.driver = v.driver;
      create.driver_opts = v.driver_opts;
      create.labels = plan::volume_labels(project.spec, v);
      Result<engine::VolumeInspect> created = co_await docker.create_volume(create);
      if (!created) {
        co_return std::move(created).error().with_context("creating volume " + v.name);
      }
      emit(progress, "volume", v.name, "Created");
      co_return Result<void>{};
    });
  }
  auto executor = co_await asio::this_coro::executor;
  std::vector<Result<void>> results = co_await run_parallel(executor, std::move(tasks));
  for (auto& r : results) {
    if (!r) {
      co_return std::move(r); // the first in declaration order
    }
  }
  co_return Result<void>{};
}

} // namespace aic::supervisor
