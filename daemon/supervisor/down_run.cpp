#include "plan/naming.hpp"
#include "supervisor/project_operations.hpp"
#include "supervisor/service_order.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <optional>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;

asio::awaitable<Result<void>> ProjectOperations::down(std::string project,
                                                      proto::DownOptions options,
                                                      const std::optional<LoadedInputs>& stored,
                                                      ProgressSink progress) {
  auto executor = co_await asio::this_coro::executor;
  auto emit = [&progress](std::string kind, std::string name, std::string status,
                          std::string detail = {}, std::string level = "info") {
    if (progress) {
      proto::ProgressEvent event{std::move(kind), std::move(name), std::move(status),
                                 std::move(detail), std::move(level)};
      progress(event);
    }
  };
  if (!options.rmi.empty() && options.rmi != "local" && options.rmi != "all") {
    co_return Error(ErrorCode::InvalidSpec,
                    "--rmi must be \"local\" or \"all\", got \"" + options.rmi + "\"");
  }
  const std::string project_filter = plan::label_filter(plan::label::kProject, project);
  const engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({project_filter});
  Result<std::vector<engine::ContainerSummary>> containers = co_await docker_.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing containers of " + project);
  }

  std::set<std::string> known;
  if (stored) {
    for (const auto& s : stored->spec.services) {
      known.insert(s.name);
    }
    for (const auto& s : stored->loaded.disabled_services) {
      known.insert(s);
    }
  }
  std::map<std::string, std::vector<std::string>> depends_on;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_service;
  std::vector<std::string> orphans;
  for (const auto& c : *containers) {
    std::string service = plan::label_value(c.labels, plan::label::kService);
    std::string name = c.names.empty() ? c.id : c.names.front();
    bool oneoff = plan::label_value(c.labels, plan::label::kOneoff) == "True";
    bool orphan = oneoff || (stored && known.count(service) == 0);
    if (orphan && !options.remove_orphans) {
      if (!oneoff) {
        orphans.push_back(name);
      }
      continue;
    }
    depends_on[service] = depends_on_services(plan::label_value(c.labels, plan::label::kDependsOn));
    by_service[service].emplace_back(c.id, name);
  }
  if (!orphans.empty()) {
    std::string names;
    for (const auto& o : orphans) {
      names += (names.empty() ? "" : ", ") + o;
    }
    emit("project", project, "Warning",
         "Found orphan containers ([" + names +
             "]) for this project. Run this command with --remove-orphans to remove them.",
         "warning");
  }

  // Stops go in waves, dependents before their dependencies; each container is removed as soon
  // as it stopped, while the next wave stops, and the removals are awaited at the end.
  Signal removed_one(executor);
  std::size_t removing = 0;
  std::optional<Error> failure;
  for (const auto& wave : removal_waves(depends_on)) {
    std::vector<Task> stops;
    std::vector<std::pair<std::string, std::string>> stopping;
    for (const auto& service : wave) {
      for (const auto& [id, name] : by_service[service]) {
        stopping.emplace_back(id, name);
        stops.push_back([this, id, name, &options, &emit]() -> asio::awaitable<Result<void>> {
          std::string cid = id;
          emit("container", name, "Stopping");
          Result<void> stopped = co_await docker_.stop_container(cid, options.timeout_s);
          if (!stopped && stopped.error().code() != ErrorCode::NotFound) {
            co_return std::move(stopped).error().with_context("stopping container " + name);
          }
          emit("container", name, "Stopped");
          co_return Result<void>{};
        });
      }
    }
    std::vector<Result<void>> results = co_await run_parallel(executor, std::move(stops));
    for (std::size_t i = 0; i < results.size() && !failure; ++i) {
      if (!results[i]) {
        failure = std::move(results[i]).error();
      }
    }
    if (failure) {
      break;
    }
    for (const auto& [id, name] : stopping) {
      ++removing;
      auto remove = [this, id, name, &emit]() -> asio::awaitable<Result<void>> {
        std::string cid = id;
        emit("container", name, "Removing");
        engine::RemoveContainerOptions rm;
        rm.force = true;
        Result<void> removed = co_await docker_.remove_container(cid, rm);
        if (!removed && removed.error().code() != ErrorCode::NotFound) {
          co_return std::move(removed).error().with_context("removing container " + name);
        }
        emit("container", name, "Removed");
        co_return Result<void>{};
      };
      asio::co_spawn(executor, std::move(remove),
                     [&failure, &removing, &removed_one, name = name](std::exception_ptr e,
                                                                      Result<void> result) {
                       if (e) {
                         result = Error(ErrorCode::Internal,
                                        "removing container " + name + " failed unexpectedly");
                       }
                       if (!result && !failure) {
                         failure = std::move(result).error();
                       }
                       --removing;
                       removed_one.notify_all();
                     });
    }
  }
  // The removals refer to this frame: wait for every one, even after a failure.
  while (removing > 0) {
    co_await removed_one.wait(std::chrono::seconds(1));
  }
  if (failure) {
    co_return std::move(*failure);
  }

  engine::Filters by_label;
  by_label["label"] = {project_filter};
  Result<std::vector<engine::NetworkInspect>> networks = co_await docker_.list_networks(by_label);
  if (!networks) {
    co_return std::move(networks).error().with_context("listing networks of " + project);
  }
  std::sort(networks->begin(), networks->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<engine::VolumeInspect> volumes;
  if (options.volumes) {
    Result<std::vector<engine::VolumeInspect>> listed = co_await docker_.list_volumes(by_label);
    if (!listed) {
      co_return std::move(listed).error().with_context("listing volumes of " + project);
    }
    volumes = std::move(*listed);
    std::sort(volumes.begin(), volumes.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
  }
  // Networks and volumes no longer depend on anything: removed all at once.
  std::vector<Task> removals;
  for (const auto& n : *networks) {
    removals.push_back([this, id = n.id, name = n.name, &emit]() -> asio::awaitable<Result<void>> {
      std::string nid = id;
      emit("network", name, "Removing");
      Result<void> removed = co_await docker_.remove_network(nid);
      if (!removed && removed.error().code() == ErrorCode::Conflict) {
        // Compose's words, then the engine's, which name the network: a CLI prints only these.
        emit("network", name, "Warning", "Resource is still in use: " + removed.error().message(),
             "warning");
        co_return Result<void>{};
      }
      if (!removed && removed.error().code() != ErrorCode::NotFound) {
        co_return std::move(removed).error().with_context("removing network " + name);
      }
      emit("network", name, "Removed");
      co_return Result<void>{};
    });
  }
  for (const auto& v : volumes) {
    removals.push_back([this, name = v.name, &emit]() -> asio::awaitable<Result<void>> {
      std::string vname = name;
      emit("volume", name, "Removing");
      Result<void> removed = co_await docker_.remove_volume(vname, true);
      if (!removed && removed.error().code() == ErrorCode::Conflict) {
        emit("volume", name, "Warning", removed.error().message(), "warning");
        co_return Result<void>{};
      }
      if (!removed && removed.error().code() != ErrorCode::NotFound) {
        co_return std::move(removed).error().with_context("removing volume " + name);
      }
      emit("volume", name, "Removed");
      co_return Result<void>{};
    });
  }
  std::vector<Result<void>> results = co_await run_parallel(executor, std::move(removals));
  for (auto& r : results) {
    if (!r) {
      co_return std::move(r);
    }
  }

  if (!options.rmi.empty()) {
    std::set<std::string> images;
    if (stored) {
      const compose::Node* services = stored->loaded.model.find("services");
      for (const auto& s : stored->spec.services) {
        const compose::Node* node = services ? services->find(s.name) : nullptr;
        bool named = node && node->find("image") != nullptr;
        if (options.rmi == "all" || !named) {
          images.insert(s.image);
        }
      }
    } else {
      for (const auto& c : *containers) {
        if (options.rmi == "all") {
          images.insert(c.image);
        }
      }
      if (options.rmi == "local") {
        emit("project", project, "Warning",
             "--rmi local needs the project's compose files; no image was removed", "warning");
      }
    }
    for (const auto& image : images) {
      std::string name = image;
      Result<void> removed = co_await docker_.remove_image(name, false);
      if (!removed && removed.error().code() == ErrorCode::NotFound) {
        continue;
      }
      if (!removed) {
        emit("image", name, "Warning", removed.error().message(), "warning");
        continue;
      }
      emit("image", name, "Removed");
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>>
ProjectOperations::stop(std::string project, std::optional<int> timeout_s, ProgressSink progress) {
  ContainerAction action;
  action.kind = ContainerAction::Kind::Stop;
  action.timeout_s = timeout_s;
  co_return co_await act(std::move(project), std::move(action), std::move(progress));
}

} // namespace aic::supervisor
