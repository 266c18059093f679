#include "supervisor/project_operations.hpp"

#include "plan/naming.hpp"
#include "supervisor/up_run.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

proto::ContainerStatus to_status(const engine::ContainerSummary& c) {
  proto::ContainerStatus s;
  s.id = c.id;
  s.name = c.names.empty() ? c.id : c.names.front();
  s.service = plan::label_value(c.labels, plan::label::kService);
  s.number = plan::container_number(c.labels);
  s.image = c.image;
  s.state = c.state;
  s.status = c.status;
  s.health = health_from_status(c.status);
  s.created = c.created;
  s.command = c.command;
  s.labels = c.labels;
  // "Exited (3) 2 minutes ago"
  if (c.status.rfind("Exited (", 0) == 0) {
    try {
      s.exit_code = std::stoi(c.status.substr(8));
    } catch (...) {
      s.exit_code = 0;
    }
  }
  for (const auto& p : c.ports) {
    std::string port = std::to_string(p.private_port) + "/" + p.type;
    if (p.public_port != 0) {
      port =
          (p.ip.empty() ? std::string() : p.ip + ":") + std::to_string(p.public_port) + "->" + port;
    }
    s.ports.push_back(port);
    s.publishers.push_back(proto::Publisher{p.ip, p.private_port, p.public_port, p.type});
  }
  return s;
}

void sort_containers(std::vector<proto::ContainerStatus>& containers) {
  std::sort(containers.begin(), containers.end(), [](const auto& a, const auto& b) {
    return std::tie(a.service, a.number, a.name) < std::tie(b.service, b.number, b.name);
  });
}

} // namespace

std::string health_from_status(std::string_view status) {
  if (status.find("(healthy)") != std::string_view::npos) {
    return "healthy";
  }
  if (status.find("(unhealthy)") != std::string_view::npos) {
    return "unhealthy";
  }
  if (status.find("(health: starting)") != std::string_view::npos) {
    return "starting";
  }
  return {};
}

std::string summarize_states(const std::vector<proto::ContainerStatus>& containers) {
  std::map<std::string, int> counts;
  for (const auto& c : containers) {
    counts[c.state]++;
  }
  std::string out;
  for (const auto& [state, n] : counts) {
    out += (out.empty() ? "" : ", ") + state + "(" + std::to_string(n) + ")";
  }
  return out;
}

ProjectOperations::ProjectOperations(asio::any_io_executor executor, engine::DockerClient& docker)
    : docker_(docker), start_mutex_(executor), start_mutex_executor_(executor) {}

Result<void> ProjectOperations::validate_up(const LoadedInputs& project,
                                            const proto::UpOptions& options) {
  UpRun run(docker_, start_mutex_, project, options, {}, start_mutex_executor_);
  run.use_gpus(gpus_);
  run.guard_paths(guarded_paths_);
  return run.validate();
}

asio::awaitable<Result<void>> ProjectOperations::up(const LoadedInputs& project,
                                                    proto::UpOptions options,
                                                    ProgressSink progress) {
  auto executor = co_await asio::this_coro::executor;
  UpRun run(docker_, start_mutex_, project, std::move(options), std::move(progress), executor);
  run.use_gpus(gpus_);
  run.guard_paths(guarded_paths_);
  run.validate_on(blocking_);
  co_return co_await run.run();
}

asio::awaitable<Result<proto::ProjectStatus>> ProjectOperations::status(std::string project) {
  const engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({plan::label_filter(plan::label::kProject, project)});
  Result<std::vector<engine::ContainerSummary>> containers = co_await docker_.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing containers of " + project);
  }
  proto::ProjectStatus status;
  status.name = project;
  for (const auto& c : *containers) {
    if (plan::label_value(c.labels, plan::label::kOneoff) == "True") {
      continue;
    }
    if (status.working_dir.empty()) {
      status.working_dir = plan::label_value(c.labels, plan::label::kWorkingDir);
      std::string files = plan::label_value(c.labels, plan::label::kConfigFiles);
      std::size_t start = 0;
      while (!files.empty() && start <= files.size()) {
        std::size_t comma = files.find(',', start);
        status.config_files.push_back(files.substr(start, comma - start));
        if (comma == std::string::npos) {
          break;
        }
        start = comma + 1;
      }
    }
    status.containers.push_back(to_status(c));
  }
  if (status.containers.empty()) {
    co_return Error(ErrorCode::NotFound, "no such project: " + project);
  }
  sort_containers(status.containers);
  status.status = summarize_states(status.containers);
  co_return status;
}

asio::awaitable<Result<std::vector<proto::ProjectStatus>>> ProjectOperations::list() {
  const engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({std::string(plan::label::kProject)});
  Result<std::vector<engine::ContainerSummary>> containers = co_await docker_.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing containers");
  }
  std::map<std::string, proto::ProjectStatus> projects;
  for (const auto& c : *containers) {
    if (plan::label_value(c.labels, plan::label::kOneoff) == "True") {
      continue;
    }
    std::string name = plan::label_value(c.labels, plan::label::kProject);
    proto::ProjectStatus& p = projects[name];
    p.name = name;
    if (p.working_dir.empty()) {
      p.working_dir = plan::label_value(c.labels, plan::label::kWorkingDir);
      std::string files = plan::label_value(c.labels, plan::label::kConfigFiles);
      if (!files.empty()) {
        p.config_files = {files};
      }
    }
    p.containers.push_back(to_status(c));
  }
  std::vector<proto::ProjectStatus> out;
  for (auto& [name, p] : projects) {
    sort_containers(p.containers);
    p.status = summarize_states(p.containers);
    out.push_back(std::move(p));
  }
  co_return out;
}

} // namespace aic::supervisor
