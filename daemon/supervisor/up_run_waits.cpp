// UpRun: dependency conditions, starting containers, and waiting for readiness.
#include "supervisor/up_run.hpp"
#include "supervisor/up_run_support.hpp"

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace up_detail;

asio::awaitable<Result<void>> UpRun::wait_dependencies(std::string service) {
  const compose::ServiceSpec* s = project_.spec.service(service);
  for (const auto& dep : s->depends_on) {
    if (runs_.count(dep.service) == 0) {
      continue; // not part of this up (--no-deps, or disabled)
    }
    while (!runs_[dep.service].done) {
      co_await changed_->wait(std::chrono::seconds(1));
    }
    Result<void> ok = Result<void>{};
    if (runs_[dep.service].error) {
      ok = Error(ErrorCode::Conflict, "dependency " + dep.service + " failed to start");
    } else if (dep.condition == compose::DependencyCondition::Healthy) {
      emit_for(dep.service, "Waiting");
      ok = co_await wait_ready(dep.service, Readiness::Healthy, std::nullopt);
      if (ok) {
        emit_for(dep.service, "Healthy");
      }
    } else if (dep.condition == compose::DependencyCondition::CompletedSuccessfully) {
      emit_for(dep.service, "Waiting");
      ok = co_await wait_ready(dep.service, Readiness::Completed, std::nullopt);
      if (ok) {
        emit_for(dep.service, "Exited", "exit code 0");
      }
    }
    if (!ok) {
      if (!dep.required) {
        emit("service", service, "Warning",
             "optional dependency " + dep.service + " failed: " + ok.error().describe(), "warning");
        continue;
      }
      co_return ok;
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::start_containers(std::string service) {
  // The engine allocates published host ports non-atomically, so containers that publish
  // ports start one at a time daemon-wide, as Compose does; the others start at once.
  const bool publishes = !project_.spec.service(service)->ports.empty();
  const ServiceRun& run = runs_[service];
  for (std::size_t i = 0; i < run.containers.size(); ++i) {
    if (!run.needs_start[i]) {
      continue;
    }
    std::string cid = run.containers[i];
    std::string name = run.names[i];
    emit("container", name, "Starting");
    if (publishes) {
      co_await start_mutex_.lock();
    }
    Result<void> started = co_await docker_.start_container(cid);
    if (publishes) {
      start_mutex_.unlock();
    }
    if (!started) {
      co_return std::move(started).error().with_context("starting container " + name);
    }
    emit("container", name, "Started");
  }
  co_return Result<void>{};
}

asio::awaitable<Result<engine::ContainerInspect>> UpRun::inspect_current(std::string id) {
  const std::uint64_t events = (*event_counts_)[id];
  auto it = inspected_.find(id);
  if (it != inspected_.end() && it->second.events == events &&
      Clock::now() - it->second.at < std::chrono::seconds(1)) {
    co_return it->second.value;
  }
  Result<engine::ContainerInspect> c = co_await docker_.inspect_container(id);
  if (c) {
    inspected_[id] = Inspected{*c, events, Clock::now()};
  }
  co_return c;
}

asio::awaitable<Result<void>> UpRun::wait_ready(std::string service, Readiness readiness,
                                                std::optional<Clock::time_point> deadline,
                                                bool* completed) {
  // A service others wait on to complete is ready for --wait once it exited 0.
  bool completes = false;
  for (const auto& s : project_.spec.services) {
    for (const auto& d : s.depends_on) {
      completes |= d.service == service &&
                   d.condition == compose::DependencyCondition::CompletedSuccessfully;
    }
  }
  for (;;) {
    bool all_ready = true;
    bool all_completed = !runs_[service].containers.empty();
    for (const auto& id : runs_[service].containers) {
      std::string cid = id;
      if (readiness == Readiness::Healthy && healthy_by_event_->count(cid) != 0) {
        continue; // the engine's own event said so, and nothing since
      }
      Result<engine::ContainerInspect> c = co_await inspect_current(cid);
      if (!c) {
        co_return std::move(c).error().with_context("inspecting container of " + service);
      }
      const engine::ContainerState& st = c->state;
      bool exited = st.status == "exited" || st.status == "dead";
      std::string exit_text = "exited with code " + std::to_string(st.exit_code);
      switch (readiness) {
      case Readiness::Started:
        break;
      case Readiness::Healthy:
        if (!st.health) {
          co_return Error(ErrorCode::InvalidSpec, "dependency " + service +
                                                      " has no healthcheck, so service_healthy "
                                                      "can never be met");
        }
        if (st.health->status == "unhealthy") {
          co_return Error(ErrorCode::Conflict, "dependency " + service + " is unhealthy: " +
                                                   c->name + ": " + last_health_output(st));
        }
        if (exited) {
          co_return Error(ErrorCode::Conflict,
                          "dependency " + service + " " + exit_text + " before it was healthy");
        }
        all_ready &= st.health->status == "healthy";
        break;
      case Readiness::Completed:
        if (exited && st.exit_code != 0) {
          co_return Error(ErrorCode::Conflict,
                          "service " + service + " didn't complete successfully: " + exit_text);
        }
        all_ready &= exited;
        break;
      case Readiness::RunningOrHealthy:
        all_completed &= completes && exited;
        if (completes && exited) {
          if (st.exit_code != 0) {
            co_return Error(ErrorCode::Conflict,
                            "service " + service + " didn't complete successfully: " + exit_text);
          }
          break;
        }
        if (exited) {
          co_return Error(ErrorCode::Conflict, "container " + c->name + " " + exit_text);
        }
        if (st.health) {
          if (st.health->status == "unhealthy") {
            co_return Error(ErrorCode::Conflict,
                            "container " + c->name + " is unhealthy: " + last_health_output(st));
          }
          all_ready &= st.health->status == "healthy";
        } else {
          all_ready &= st.running;
        }
        break;
      }
    }
    if (all_ready) {
      if (completed != nullptr) {
        *completed = readiness == Readiness::RunningOrHealthy && all_completed;
      }
      co_return Result<void>{};
    }
    auto wait_for = std::chrono::milliseconds(1000);
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) {
        co_return Error(ErrorCode::Timeout, "application not healthy after " +
                                                std::to_string(options_.wait_timeout_s) +
                                                "s: service " + service + " is not ready");
      }
      wait_for = std::min(wait_for, left);
    }
    co_await changed_->wait(wait_for);
  }
}

} // namespace aic::supervisor
