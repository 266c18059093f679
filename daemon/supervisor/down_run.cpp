#include "plan/naming.hpp"
#include "supervisor/project_operations.hpp"
#include "supervisor/service_order.hpp"

#include <algorithm>
#include <boost/asio/this_coro.hpp>
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
  const std::string project_filter = std::string(plan::label::kProject) + "=" + project;
  engine::ContainerListOptions list;
  list.all = true;
  list.filters["label"] = {project_filter};
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

  for (const auto& wave : removal_waves(depends_on)) {
    std::vector<Task> tasks;
    for (const auto& service : wave) {
      for (const auto& [id, name] : by_service[service]) {
        tasks.push_back([this, id, name, &options, &emit]() -> asio::awaitable<Result<void>> {
          std::string cid = id;
          emit("container", name, "Stopping");
          Result<void> stopped = co_await docker_.stop_container(cid, options.timeout_s);
          if (!stopped && stopped.error().code() != ErrorCode::NotFound) {
            co_return std::move(stopped).error().with_context("stopping container " + name);
          }
          emit("container", name, "Stopped");
          emit("container", name, "Removing");
          engine::RemoveContainerOptions rm;
          rm.force = true;
          Result<void> removed = co_await docker_.remove_container(cid, rm);
          if (!removed && removed.error().code() != ErrorCode::NotFound) {
            co_return std::move(removed).error().with_context("removing container " + name);
          }
          emit("container", name, "Removed");
          co_return Result<void>{};
        });
      }
    }
    std::vector<Result<void>> results = co_await run_parallel(executor, std::move(tasks));
    for (auto& r : results) {
      if (!r) {
        co_return std::move(r);
      }
    }
  }

  engine::Filters by_label;
  by_label["label"] = {project_filter};
  Result<std::vector<engine::NetworkInspect>> networks = co_await docker_.list_networks(by_label);
  if (!networks) {
    co_return std::move(networks).error().with_context("listing networks of " + project);
  }
  std::sort(networks->begin(), networks->end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& n : *networks) {
    std::string id = n.id;
    emit("network", n.name, "Removing");
    Result<void> removed = co_await docker_.remove_network(id);
    if (!removed && removed.error().code() == ErrorCode::Conflict) {
      emit("network", n.name, "Warning", "Resource is still in use", "warning");
      continue;
    }
    if (!removed && removed.error().code() != ErrorCode::NotFound) {
      co_return std::move(removed).error().with_context("removing network " + n.name);
    }
    emit("network", n.name, "Removed");
  }

  if (options.volumes) {
    Result<std::vector<engine::VolumeInspect>> volumes = co_await docker_.list_volumes(by_label);
    if (!volumes) {
      co_return std::move(volumes).error().with_context("listing volumes of " + project);
    }
    std::sort(volumes->begin(), volumes->end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    for (const auto& v : *volumes) {
      std::string name = v.name;
      emit("volume", name, "Removing");
      Result<void> removed = co_await docker_.remove_volume(name, true);
      if (!removed && removed.error().code() == ErrorCode::Conflict) {
        emit("volume", name, "Warning", removed.error().message(), "warning");
        continue;
      }
      if (!removed && removed.error().code() != ErrorCode::NotFound) {
        co_return std::move(removed).error().with_context("removing volume " + name);
      }
      emit("volume", name, "Removed");
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
