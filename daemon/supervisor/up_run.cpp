#include "supervisor/up_run.hpp"

#include "engine/event_stream.hpp"
#include "health/policy.hpp"
#include "plan/config_hash.hpp"
#include "plan/container_config.hpp"
#include "plan/naming.hpp"
#include "supervisor/up_run_support.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aic::supervisor {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

using namespace up_detail;

namespace up_detail {

std::set<std::string> create_time_targets(const compose::Node& service) {
  std::set<std::string> out;
  auto before_colon = [](const std::string& text) { return text.substr(0, text.find(':')); };
  if (const compose::Node* links = service.find("links"); links && links->is_sequence()) {
    for (const auto& l : links->items) {
      out.insert(before_colon(l.text));
    }
  }
  for (const char* key : {"network_mode", "ipc", "pid", "uts", "cgroup"}) {
    const compose::Node* mode = service.find(key);
    if (mode && mode->text.starts_with("service:")) {
      out.insert(mode->text.substr(8));
    }
  }
  if (const compose::Node* from = service.find("volumes_from"); from && from->is_sequence()) {
    for (const auto& v : from->items) {
      if (!v.text.starts_with("container:")) {
        out.insert(before_colon(v.text));
      }
    }
  }
  return out;
}

} // namespace up_detail

UpRun::UpRun(engine::DockerClient& docker, AsyncMutex& start_mutex, const LoadedInputs& project,
             proto::UpOptions options, ProgressSink progress, asio::any_io_executor executor)
    : docker_(docker), start_mutex_(start_mutex), project_(project), options_(std::move(options)),
      progress_(std::move(progress)), executor_(std::move(executor)), graph_(project.spec),
      changed_(std::make_shared<Signal>(executor_)),
      event_counts_(std::make_shared<std::map<std::string, std::uint64_t>>()),
      healthy_by_event_(std::make_shared<std::set<std::string>>()) {}

UpRun::~UpRun() {
  if (planned_gpus_ && gpus_ != nullptr) {
    gpus_->release_planned(project_.spec.name);
  }
}

void UpRun::emit(std::string kind, std::string name, std::string status, std::string detail,
                 std::string level) {
  if (progress_) {
    proto::ProgressEvent event{std::move(kind), std::move(name), std::move(status),
                               std::move(detail), std::move(level)};
    progress_(event);
  }
}

Result<void> UpRun::validate() {
  const compose::ProjectSpec& spec = project_.spec;
  std::vector<std::string> problems;
  if (options_.force_recreate && options_.no_recreate) {
    problems.push_back("--force-recreate and --no-recreate cannot be combined");
  }
  if (options_.build != "" && options_.build != "always" && options_.build != "never") {
    problems.push_back("build \"" + options_.build + "\": use always, never or leave it empty");
  }
  if (options_.pull != "" && options_.pull != "always" && options_.pull != "missing" &&
      options_.pull != "never") {
    problems.push_back("pull \"" + options_.pull +
                       "\": use always, missing, never or leave it empty");
  }
  for (const auto& s : options_.services) {
    if (!spec.service(s)) {
      problems.push_back("no such service: " + s);
    }
  }
  for (const auto& [s, n] : options_.scale) {
    if (!spec.service(s)) {
      problems.push_back("--scale: no such service: " + s);
    } else if (n < 0) {
      problems.push_back("--scale " + s + "=" + std::to_string(n) + ": must be 0 or more");
    }
  }
  if (!problems.empty()) {
    return Error(ErrorCode::InvalidSpec, problems.size() == 1 ? problems[0] : "invalid options",
                 problems.size() == 1 ? std::vector<std::string>{} : problems);
  }
  if (options_.services.empty()) {
    selected_ = graph_.services();
  } else if (options_.no_deps) {
    selected_ = options_.services;
    std::sort(selected_.begin(), selected_.end());
    selected_.erase(std::unique(selected_.begin(), selected_.end()), selected_.end());
  } else {
    selected_ = graph_.with_dependencies(options_.services);
  }
  for (const auto& name : selected_) {
    const compose::Node* node = service_node(project_.loaded, name);
    if (!node) {
      problems.push_back("services." + name + ": missing from the model");
      continue;
    }
    for (auto& line : plan::unsupported_keys(project_.loaded.model, name)) {
      problems.push_back(std::move(line));
    }
    Result<engine::ContainerCreate> request = create_request(name, 1, "validate");
    if (!request) {
      problems.push_back(request.error().message());
      for (const auto& d : request.error().details()) {
        problems.push_back(d);
      }
    }
    hashes_[name] = plan::service_config_hash(*node);
    if (request) {
      Result<std::optional<plan::ServiceGpu>> gpu =
          plan::service_gpu(project_.loaded.model, name, *request, gpu_policy_);
      if (!gpu) {
        for (const auto& d : gpu.error().details()) {
          if (std::find(problems.begin(), problems.end(), d) == problems.end()) {
            problems.push_back(d);
          }
        }
      } else if (*gpu) {
        gpu_requests_[name] = std::move(**gpu);
      }
    }
    // x-aic.restart_on_unhealthy (project-wide and the service's own) is read by supervision.
    Result<health::RestartOnUnhealthy> policy =
        health::restart_on_unhealthy(project_.loaded.model, *spec.service(name));
    if (!policy) {
      std::vector<std::string> lines = policy.error().details();
      if (lines.empty()) {
        lines.push_back(policy.error().message());
      }
      for (const auto& d : lines) {
        if (std::find(problems.begin(), problems.end(), d) == problems.end()) {
          problems.push_back(d);
        }
      }
    }
  }
  if (Result<plan::ProjectGpuSettings> gpu = plan::project_gpu_settings(project_.loaded.model);
      !gpu) {
    for (const auto& d : gpu.error().details()) {
      if (std::find(problems.begin(), problems.end(), d) == problems.end()) {
        problems.push_back(d);
      }
    }
  }
  if (!problems.empty()) {
    return Error(ErrorCode::InvalidSpec,
                 "project " + spec.name + " uses what aic cannot run; nothing was created",
                 problems);
  }
  return {};
}

Result<engine::ContainerCreate> UpRun::create_request(const std::string& service, int number,
                                                      const std::string& name) const {
  const compose::ProjectSpec& spec = project_.spec;
  const compose::ServiceSpec* s = spec.service(service);
  // Built once per run (per API version): copying its maps for every service made validating a
  // project of n services take n² steps.
  if (!context_ || context_->api_minor != api_minor_) {
    context_.emplace();
    context_->project = spec.name;
    context_->api_minor = api_minor_;
    context_->guarded_paths = guarded_paths_;
    for (const auto& n : spec.networks) {
      context_->network_names[n.key] = n.name;
    }
    for (const auto& v : spec.volumes) {
      context_->volume_names[v.key] = v.name;
    }
    for (const auto& other : spec.services) {
      context_->service_containers[other.name] = plan::container_name(spec, other, 1);
    }
  }
  plan::ContainerContext& ctx = *context_;
  ctx.service = service;
  ctx.number = number;
  ctx.container_name = name;
  Result<engine::ContainerCreate> request =
      plan::container_create(project_.loaded.model, service, ctx);
  if (!request) {
    return request;
  }
  auto it = hashes_.find(service);
  std::string hash = it == hashes_.end() ? std::string() : it->second;
  for (auto& [k, v] : plan::container_labels(spec, *s, number, hash)) {
    request->labels[k] = v;
  }
  if (auto placed = placed_.find({service, number}); placed != placed_.end()) {
    plan::apply_gpu_placement(*request, gpu_requests_.at(service), placed->second);
  } else if (planned_gpus_ && gpu_requests_.count(service) != 0) {
    return Error(ErrorCode::Internal, "service " + service + " replica " + std::to_string(number) +
                                          " has no GPU placement");
  }
  label_gpu_free(*request);
  request->name = name;
  return request;
}

asio::awaitable<Result<void>> UpRun::validate_off_thread() {
  if (validation_pool_ == nullptr) {
    co_return validate();
  }
  // This coroutine waits for the work, so nothing else touches the run meanwhile.
  std::function<Result<bool>()> work = [this]() -> Result<bool> {
    if (Result<void> ok = validate(); !ok) {
      return std::move(ok).error();
    }
    return true;
  };
  Result<bool> valid = co_await on_pool<bool>(*validation_pool_, work);
  if (!valid) {
    co_return std::move(valid).error();
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::run() {
  if (auto ok = co_await validate_off_thread(); !ok) {
    co_return ok;
  }
  Result<engine::ApiVersion> version = co_await docker_.api_version();
  if (!version) {
    co_return std::move(version).error().with_context("connecting to the Docker engine");
  }
  // Re-check with the negotiated version (it decides how networks are attached).
  if (version->minor != api_minor_) {
    api_minor_ = version->minor;
    if (auto ok = co_await validate_off_thread(); !ok) {
      co_return ok;
    }
  }

  engine::EventFilter filter;
  filter.types = {"container"};
  filter.labels = {plan::label_filter(plan::label::kProject, project_.spec.name)};
  std::shared_ptr<engine::EventStream> events = docker_.events(filter);
  std::shared_ptr<Signal> changed = changed_;
  std::shared_ptr<std::map<std::string, std::uint64_t>> counts = event_counts_;
  std::shared_ptr<std::set<std::string>> healthy = healthy_by_event_;
  asio::co_spawn(
      executor_,
      [events, changed, counts, healthy]() -> asio::awaitable<void> {
        for (;;) {
          Result<engine::EngineEvent> event = co_await events->next();
          if (!event) {
            break;
          }
          // Healthchecks run as execs: several events per probe that change nothing waited on.
          if (event->action.starts_with("exec_")) {
            continue;
          }
          ++(*counts)[event->actor_id];
          if (event->action == "health_status: healthy") {
            healthy->insert(event->actor_id);
          } else {
            healthy->erase(event->actor_id);
          }
          changed->notify_all();
        }
      },
      asio::detached);

  Result<void> result = co_await observe();
  if (result) {
    result = co_await place_gpus();
  }
  if (result) {
    result = co_await ensure_images();
  }
  if (result) {
    result = replan();
  }
  if (result) {
    result = co_await ensure_networks();
  }
  if (result) {
    result = co_await ensure_volumes();
  }
  if (result) {
    result = co_await handle_orphans();
  }
  if (result) {
    result = co_await converge();
  }
  if (result && options_.wait && !options_.no_start) {
    std::optional<Clock::time_point> deadline;
    if (options_.wait_timeout_s > 0) {
      deadline = Clock::now() + std::chrono::seconds(options_.wait_timeout_s);
    }
    for (const auto& service : selected_) {
      emit_for(service, "Waiting");
    }
    for (const auto& service : selected_) {
      bool completed = false;
      Result<void> ready =
          co_await wait_ready(service, Readiness::RunningOrHealthy, deadline, &completed);
      if (!ready) {
        result = std::move(ready).error();
        break;
      }
      // As Compose: a one-shot that others wait on shows as Exited once it completed.
      emit_for(service, completed                                     ? "Exited"
                        : project_.spec.service(service)->healthcheck ? "Healthy"
                                                                      : "Running");
    }
  }
  events->close();
  co_return result;
}

asio::awaitable<Result<void>> UpRun::observe() {
  const engine::ContainerListOptions list = engine::ContainerListOptions::labelled(
      {plan::label_filter(plan::label::kProject, project_.spec.name)});
  Result<std::vector<engine::ContainerSummary>> containers = co_await docker_.list_containers(list);
  if (!containers) {
    co_return std::move(containers).error().with_context("listing the project's containers");
  }
  for (const auto& c : *containers) {
    if (c.labels.count(std::string(plan::label::kConfigHash)) == 0) {
      continue; // not created by a Compose tool
    }
    plan::ObservedContainer o;
    o.id = c.id;
    o.name = c.names.empty() ? c.id : c.names.front();
    o.service = plan::label_value(c.labels, plan::label::kService);
    o.number = plan::container_number(c.labels);
    o.config_hash = plan::label_value(c.labels, plan::label::kConfigHash);
    o.state = c.state;
    o.image_id = c.image_id;
    o.oneoff = plan::label_value(c.labels, plan::label::kOneoff) == "True";
    if (std::optional<LabelledHold> hold = labelled_hold(c.labels)) {
      gpu_labels_[c.id] = std::move(*hold);
    } else if (std::string request = plan::label_value(c.labels, plan::label::kGpuRequest);
               !request.empty()) {
      gpu_labels_[c.id] = LabelledHold{{}, gpu::Mode::Exclusive, 0, request}; // on the CPU
    }
    observed_.push_back(std::move(o));
  }

  std::vector<plan::ServiceTarget> targets;
  plan::ReconcileOptions options;
  options.force_recreate = options_.force_recreate;
  options.no_recreate = options_.no_recreate;
  for (const auto& s : project_.spec.services) {
    options.known_services.insert(s.name);
  }
  for (const auto& s : project_.loaded.disabled_services) {
    options.known_services.insert(s);
  }
  for (const auto& name : selected_) {
    const compose::ServiceSpec* s = project_.spec.service(name);
    auto scale = options_.scale.find(name);
    int replicas = scale != options_.scale.end() ? scale->second : s->replicas;
    // A container_name allows one replica only, as in Compose.
    if (!s->container_name.empty() && replicas > 1) {
      co_return Error(ErrorCode::InvalidSpec,
                      "services." + name + ": container_name \"" + s->container_name +
                          "\" allows one replica only, " + std::to_string(replicas) + " asked");
    }
    targets.push_back({name, replicas, hashes_[name], ""});
  }
  targets_ = targets;
  reconcile_options_ = options;
  plan_ = plan::reconcile(targets, observed_, options);
  for (auto& sp : plan_.services) {
    runs_[sp.service].plan = sp;
  }
  co_return Result<void>{};
}

Result<void> UpRun::replan() {
  for (auto& t : targets_) {
    auto id = image_ids_.find(project_.spec.service(t.service)->image);
    t.image_id = id == image_ids_.end() ? std::string() : id->second;
  }
  plan_ = plan::reconcile(targets_, observed_, reconcile_options_);
  for (auto& sp : plan_.services) {
    runs_[sp.service].plan = sp;
  }
  return place_missing_gpus();
}

asio::awaitable<Result<void>> UpRun::handle_orphans() {
  if (plan_.orphans.empty()) {
    co_return Result<void>{};
  }
  if (!options_.remove_orphans) {
    std::string names;
    for (const auto& o : plan_.orphans) {
      names += (names.empty() ? "" : ", ") + o.name;
    }
    emit("project", project_.spec.name, "Warning",
         "Found orphan containers ([" + names +
             "]) for this project. If you removed or renamed this service in your compose file, "
             "you can run this command with the --remove-orphans flag to clean it up.",
         "warning");
    co_return Result<void>{};
  }
  for (const auto& o : plan_.orphans) {
    Result<void> removed = co_await remove_container(o.id, o.name);
    if (!removed) {
      co_return removed;
    }
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> UpRun::remove_container(std::string id, std::string name) {
  emit("container", name, "Stopping");
  Result<void> stopped = co_await docker_.stop_container(id, options_.timeout_s);
  if (!stopped && stopped.error().code() != ErrorCode::NotFound) {
    co_return std::move(stopped).error().with_context("stopping container " + name);
  }
  emit("container", name, "Removing");
  engine::RemoveContainerOptions rm;
  rm.force = true;
  Result<void> removed = co_await docker_.remove_container(id, rm);
  if (!removed && removed.error().code() != ErrorCode::NotFound) {
    co_return std::move(removed).error().with_context("removing container " + name);
  }
  emit("container", name, "Removed");
  co_return Result<void>{};
}

bool UpRun::observed_running(const std::string& id) const {
  for (const auto& o : observed_) {
    if (o.id == id) {
      return o.state == "running" || o.state == "paused" || o.state == "restarting";
    }
  }
  return false;
}

void UpRun::emit_for(const std::string& service, const std::string& status,
                     const std::string& detail) {
  for (const auto& name : runs_[service].names) {
    emit("container", name, status, detail);
  }
}

void UpRun::finish(const std::string& service, Result<void> result) {
  ServiceRun& run = runs_[service];
  run.created = true;
  run.done = true;
  if (!result) {
    run.error = std::move(result).error();
  }
  changed_->notify_all();
}

asio::awaitable<Result<void>> UpRun::converge() {
  for (const auto& name : selected_) {
    asio::co_spawn(
        executor_,
        [this, name]() -> asio::awaitable<void> {
          Result<void> result = co_await service_task(name);
          finish(name, std::move(result));
        },
        [this, name](std::exception_ptr e) {
          if (e) {
            std::string what = "unexpected failure";
            try {
              std::rethrow_exception(e);
            } catch (const std::exception& ex) {
              what = ex.what();
            } catch (...) {
            }
            finish(name, Error(ErrorCode::Internal, what));
          }
        });
  }
  for (;;) {
    bool all_done = std::all_of(selected_.begin(), selected_.end(),
                                [this](const std::string& s) { return runs_[s].done; });
    if (all_done) {
      break;
    }
    co_await changed_->wait(std::chrono::seconds(1));
  }
  std::vector<std::string> failures;
  for (const auto& name : selected_) {
    const ServiceRun& run = runs_[name];
    if (run.error) {
      failures.push_back(name + ": " + run.error->describe());
    }
  }
  if (failures.empty()) {
    co_return Result<void>{};
  }
  // The first failure in start order is the cause; the others usually follow from it.
  for (const auto& name : graph_.start_order()) {
    if (runs_.count(name) != 0 && runs_[name].error) {
      Error error = *runs_[name].error;
      error.with_context("service " + name);
      co_return error;
    }
  }
  co_return Error(ErrorCode::Internal, failures.front());
}

asio::awaitable<Result<void>> UpRun::service_task(std::string service) {
  // Creation waits only for the containers it names (links, network_mode: service:X,
  // volumes_from, …), so the engine creates every other container at once; starting waits
  // for the dependencies' conditions.
  const std::set<std::string> named = create_time_targets(*service_node(project_.loaded, service));
  for (;;) {
    bool ready = true;
    for (const auto& dep : graph_.dependencies_of(service)) {
      if (named.count(dep) != 0 && runs_.count(dep) != 0 && !runs_[dep].created) {
        ready = false;
      }
    }
    if (ready) {
      break;
    }
    co_await changed_->wait(std::chrono::seconds(1));
  }
  ServiceRun& run = runs_[service];
  for (const auto& step : run.plan.steps) {
    Result<void> applied = co_await apply_step(service, step);
    if (!applied) {
      co_return applied;
    }
  }
  run.created = true;
  changed_->notify_all();
  if (options_.no_start) {
    co_return Result<void>{};
  }
  Result<void> deps = co_await wait_dependencies(service);
  if (!deps) {
    co_return deps;
  }
  co_return co_await start_containers(service);
}

asio::awaitable<Result<void>> UpRun::apply_step(std::string service, plan::ContainerStep step) {
  ServiceRun& run = runs_[service];
  const compose::ServiceSpec* s = project_.spec.service(service);
  std::string name = plan::container_name(project_.spec, *s, step.number);
  switch (step.action) {
  case plan::StepAction::Remove:
    co_return co_await remove_container(step.existing_id, step.existing_name);
  case plan::StepAction::Keep: {
    if (step.existing_name != name) {
      // Left with a temporary name by an interrupted recreate.
      Result<void> renamed = co_await docker_.rename_container(step.existing_id, name);
      if (!renamed) {
        co_return std::move(renamed).error().with_context("renaming container " +
                                                          step.existing_name);
      }
    }
    run.containers.push_back(step.existing_id);
    run.names.push_back(name);
    run.needs_start.push_back(!observed_running(step.existing_id));
    emit("container", name, "Running");
    co_return Result<void>{};
  }
  case plan::StepAction::Create:
  case plan::StepAction::Recreate: {
    bool recreate = step.action == plan::StepAction::Recreate;
    std::string create_name = recreate ? step.existing_id.substr(0, 12) + "_" + name : name;
    Result<engine::ContainerCreate> request = create_request(service, step.number, create_name);
    if (!request) {
      co_return std::move(request).error();
    }
    emit("container", name, recreate ? "Recreate" : "Creating", step.reason);
    Result<engine::CreatedId> created = co_await docker_.create_container(*request);
    if (!created) {
      co_return std::move(created).error().with_context("creating container " + name);
    }
    const std::string id = created->id;
    // Before 1.44 a container joins one network at create; the others are connected now.
    for (std::size_t i = 1; api_minor_ < 44 && i < request->networks.size(); ++i) {
      std::string network = request->networks[i].name;
      engine::NetworkEndpoint endpoint = request->networks[i].endpoint;
      Result<void> connected = co_await docker_.connect_network(network, id, endpoint);
      if (!connected) {
        co_return std::move(connected).error().with_context("connecting " + name + " to " +
                                                            network);
      }
    }
    if (recreate) {
      Result<void> removed = co_await remove_container(step.existing_id, step.existing_name);
      if (!removed) {
        co_return removed;
      }
      Result<void> renamed = co_await docker_.rename_container(id, name);
      if (!renamed) {
        co_return std::move(renamed).error().with_context("renaming container " + create_name);
      }
      emit("container", name, "Recreated");
    } else {
      emit("container", name, "Created");
    }
    run.containers.push_back(id);
    run.names.push_back(name);
    run.needs_start.push_back(true);
    co_return Result<void>{};
  }
  }
  co_return Result<void>{};
}

} // namespace aic::supervisor
