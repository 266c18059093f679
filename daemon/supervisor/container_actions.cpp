// The container lifecycle commands (start, stop, restart, kill, pause, unpause, rm) on a
// project's service containers, found by label and ordered by their depends_on labels.

#include "plan/naming.hpp"
#include "supervisor/project_operations.hpp"
#include "supervisor/service_order.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

using Kind = ContainerAction::Kind;

/// How long `start` waits for a dependency's condition (health, completion).
constexpr std::chrono::minutes kConditionDeadline{10};
constexpr std::chrono::milliseconds kConditionPoll{500};

struct Target {
  std::string id;
  std::string name;
  std::string state;
};

/// Whether `action` applies to a container in `state`.
bool applies(const ContainerAction& action, const std::string& state) {
  switch (action.kind) {
  case Kind::Start:
    return state == "created" || state == "exited" || state == "dead";
  case Kind::Stop:
  case Kind::Kill:
    return state == "running" || state == "restarting" || state == "paused";
  case Kind::Restart:
    return state != "removing" && state != "dead";
  case Kind::Pause:
    return state == "running";
  case Kind::Unpause:
    return state == "paused";
  case Kind::Remove:
    return action.stop_first || (state != "running" && state != "restarting" && state != "paused");
  }
  return false;
}

/// The progress words of an action: ("Starting", "Started").
std::pair<std::string, std::string> words(Kind kind) {
  switch (kind) {
  case Kind::Start:
    return {"Starting", "Started"};
  case Kind::Stop:
    return {"Stopping", "Stopped"};
  case Kind::Restart:
    return {"Restarting", "Started"};
  case Kind::Kill:
    return {"Killing", "Killed"};
  case Kind::Pause:
    return {"Pausing", "Paused"};
  case Kind::Unpause:
    return {"Unpausing", "Unpaused"};
  case Kind::Remove:
    return {"Removing", "Removed"};
  }
  return {"", ""};
}

bool forward(Kind kind) {
  return kind == Kind::Start || kind == Kind::Restart || kind == Kind::Unpause;
}

} // namespace

std::optional<ContainerAction::Kind> container_action_kind(std::string_view name) {
  static const std::pair<std::string_view, Kind> kNames[] = {
      {"start", Kind::Start}, {"stop", Kind::Stop},   {"restart", Kind::Restart},
      {"kill", Kind::Kill},   {"pause", Kind::Pause}, {"unpause", Kind::Unpause},
      {"rm", Kind::Remove},
  };
  for (const auto& [n, k] : kNames) {
    if (n == name) {
      return k;
    }
  }
  return std::nullopt;
}

asio::awaitable<Result<void>> ProjectOperations::act(std::string project, ContainerAction action,
                                                     ProgressSink progress) {
  auto executor = co_await asio::this_coro::executor;
  auto emit = [&progress](const std::string& name, const std::string& status,
                          const std::string& detail = {}, const std::string& level = "info") {
    if (progress) {
      proto::ProgressEvent event{"container", name, status, detail, level};
      progress(event);
    }
  };
  const engine::ContainerListOptions list =
      engine::ContainerListOptions::labelled({plan::label_filter(plan::label::kProject, project)});
  Result<std::vector<engine::ContainerSummary>> containers = co_await docker_.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing containers of " + project);
  }
  std::map<std::string, std::vector<std::string>> depends_on;
  std::map<std::string, std::vector<LabelDependency>> conditions;
  std::map<std::string, std::vector<Target>> by_service;
  for (const auto& c : *containers) {
    if (plan::label_value(c.labels, plan::label::kOneoff) == "True") {
      continue;
    }
    std::string service = plan::label_value(c.labels, plan::label::kService);
    std::string label = plan::label_value(c.labels, plan::label::kDependsOn);
    depends_on[service] = depends_on_services(label);
    conditions[service] = label_dependencies(label);
    by_service[service].push_back(Target{c.id, c.names.empty() ? c.id : c.names.front(), c.state});
  }
  std::set<std::string> chosen(action.services.begin(), action.services.end());
  for (const auto& s : chosen) {
    if (by_service.count(s) == 0) {
      co_return Error(ErrorCode::NotFound, "no container found for service \"" + s + "\"");
    }
  }
  if (by_service.empty() && action.kind == Kind::Start) {
    co_return Error(ErrorCode::NotFound,
                    "project " + project + " has no containers to start; run `aic up` first");
  }
  auto [doing, done] = words(action.kind);
  auto waves = forward(action.kind) ? start_waves(depends_on) : removal_waves(depends_on);
  for (const auto& wave : waves) {
    std::vector<Task> tasks;
    for (const auto& service : wave) {
      if (!chosen.empty() && chosen.count(service) == 0) {
        continue;
      }
      for (const auto& target : by_service[service]) {
        if (!applies(action, target.state)) {
          continue;
        }
        std::vector<LabelDependency> deps =
            action.kind == Kind::Start ? conditions[service] : std::vector<LabelDependency>{};
        tasks.push_back([this, target, deps, &action, &by_service, &emit, doing = doing,
                         done = done]() -> asio::awaitable<Result<void>> {
          for (const auto& dep : deps) {
            if (dep.condition == "service_started" || by_service.count(dep.service) == 0) {
              continue;
            }
            for (const auto& other : by_service.at(dep.service)) {
              Result<void> ready = co_await wait_condition(other.id, other.name, dep.condition);
              if (!ready && dep.required) {
                co_return std::move(ready).error().with_context("starting " + target.name);
              }
              if (!ready) {
                emit(target.name, "Warning", ready.error().message(), "warning");
              }
            }
          }
          std::string id = target.id;
          emit(target.name, doing);
          Result<void> result;
          switch (action.kind) {
          case Kind::Start:
            co_await start_mutex_.lock();
            result = co_await docker_.start_container(id);
            start_mutex_.unlock();
            break;
          case Kind::Stop:
            result = co_await docker_.stop_container(id, action.timeout_s);
            break;
          case Kind::Restart:
            result = co_await docker_.restart_container(id, action.timeout_s);
            break;
          case Kind::Kill: {
            std::string signal = action.signal;
            result = co_await docker_.kill_container(id, signal);
            break;
          }
          case Kind::Pause:
            result = co_await docker_.pause_container(id);
            break;
          case Kind::Unpause:
            result = co_await docker_.unpause_container(id);
            break;
          case Kind::Remove: {
            if (action.stop_first && applies(ContainerAction{.kind = Kind::Stop}, target.state)) {
              emit(target.name, "Stopping");
              Result<void> stopped = co_await docker_.stop_container(id, action.timeout_s);
              if (!stopped && stopped.error().code() != ErrorCode::NotFound) {
                co_return std::move(stopped).error().with_context("stopping " + target.name);
              }
              emit(target.name, "Stopped");
            }
            engine::RemoveContainerOptions rm;
            rm.force = action.stop_first;
            rm.volumes = action.volumes;
            result = co_await docker_.remove_container(id, rm);
            break;
          }
          }
          if (!result &&
              !(result.error().code() == ErrorCode::NotFound && action.kind == Kind::Remove)) {
            co_return std::move(result).error().with_context(doing + " " + target.name);
          }
          emit(target.name, done);
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
  co_return Result<void>{};
}

asio::awaitable<Result<void>> ProjectOperations::wait_condition(std::string id, std::string name,
                                                                std::string condition) {
  auto executor = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + kConditionDeadline;
  for (;;) {
    std::string cid = id;
    Result<engine::ContainerInspect> inspect = co_await docker_.inspect_container(cid);
    if (!inspect) {
      co_return std::move(inspect).error().with_context("waiting for " + name);
    }
    const engine::ContainerState& state = inspect->state;
    if (condition == "service_healthy") {
      if (!state.health) {
        co_return Error(ErrorCode::InvalidSpec,
                        "dependency " + name +
                            " has no healthcheck but service_healthy is required");
      }
      if (state.health->status == "healthy") {
        co_return Result<void>{};
      }
      if (state.health->status == "unhealthy" || (!state.running && !state.restarting)) {
        std::string output = state.health->log.empty() ? "" : state.health->log.back().output;
        co_return Error(ErrorCode::Conflict, "dependency " + name + " is " +
                                                 (state.running ? "unhealthy" : state.status) +
                                                 (output.empty() ? "" : ": " + output));
      }
    } else if (condition == "service_completed_successfully") {
      if (!state.running && !state.restarting && state.status != "created") {
        if (state.exit_code == 0) {
          co_return Result<void>{};
        }
        co_return Error(ErrorCode::Conflict, "dependency " + name + " exited with code " +
                                                 std::to_string(state.exit_code));
      }
    } else {
      co_return Result<void>{};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Error(ErrorCode::Timeout, "dependency " + name + " did not become ready in time");
    }
    asio::steady_timer timer(executor, kConditionPoll);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

} // namespace aic::supervisor
