#include "supervisor/one_off_run.hpp"

#include "plan/config_hash.hpp"
#include "plan/container_config.hpp"
#include "plan/dependency_graph.hpp"
#include "plan/gpu_request.hpp"
#include "plan/naming.hpp"
#include "supervisor/gpu_holds.hpp"
#include "supervisor/project_resources.hpp"

#include <algorithm>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kSlugLabel = "com.docker.compose.slug";

/// "[ip:]host:container[/proto]", "host:container" or "container"; ranges are passed through.
Result<engine::PortBinding> parse_publish(const std::string& spec) {
  engine::PortBinding binding;
  std::string rest = spec;
  std::string protocol = "tcp";
  if (auto slash = rest.rfind('/'); slash != std::string::npos) {
    protocol = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (rest.size() > 1 && rest.front() == '[') { // "[::1]:8080:80"
    auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return Error(ErrorCode::InvalidSpec, "invalid published port \"" + spec + "\"");
    }
    binding.host_ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto colon = rest.find(':', start);
    parts.push_back(rest.substr(start, colon - start));
    if (colon == std::string::npos) {
      break;
    }
    start = colon + 1;
  }
  if (parts.size() > 3 || (parts.size() == 3 && !binding.host_ip.empty())) {
    return Error(ErrorCode::InvalidSpec, "invalid published port \"" + spec + "\"");
  }
  if (parts.size() == 3) {
    binding.host_ip = parts[0];
  }
  if (parts.size() >= 2) {
    binding.host_port = parts[parts.size() - 2];
  }
  const std::string& container = parts.back();
  const bool numeric =
      !container.empty() && std::all_of(container.begin(), container.end(),
                                        [](char c) { return (c >= '0' && c <= '9') || c == '-'; });
  if (!numeric || (protocol != "tcp" && protocol != "udp" && protocol != "sctp")) {
    return Error(ErrorCode::InvalidSpec,
                 "invalid published port \"" + spec + "\": use [IP:]HOST:CONTAINER[/PROTOCOL]");
  }
  binding.container_port = container + "/" + protocol;
  return binding;
}

/// Sets or replaces `K=V` (or a bare `K`, which the engine leaves unset) in `env`.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  const std::string key = entry.substr(0, entry.find('='));
  auto same = [&](const std::string& e) { return e.substr(0, e.find('=')) == key; };
  env.erase(std::remove_if(env.begin(), env.end(), same), env.end());
  env.push_back(entry);
}

} // namespace

std::string one_off_name(const std::string& project, const std::string& service,
                         const std::string& slug) {
  return project + "-" + service + "-run-" + slug.substr(0, 12);
}

Result<engine::ContainerCreate> one_off_create(const LoadedInputs& project,
                                               const proto::RunRequest& request,
                                               const std::string& name, const std::string& slug,
                                               int api_minor,
                                               const std::vector<std::string>& guarded_paths) {
  const compose::ProjectSpec& spec = project.spec;
  const compose::ServiceSpec* service = spec.service(request.service);
  const compose::Node* services = project.loaded.model.find("services");
  const compose::Node* node = services ? services->find(request.service) : nullptr;
  if (!service || !node) {
    return Error(ErrorCode::NotFound, "no such service: " + request.service);
  }
  std::vector<std::string> unsupported =
      plan::unsupported_keys(project.loaded.model, service->name);
  if (!unsupported.empty()) {
    return Error(ErrorCode::InvalidSpec,
                 "service " + service->name + " uses what aic cannot run; nothing was created",
                 unsupported);
  }
  plan::ContainerContext ctx;
  ctx.project = spec.name;
  ctx.service = service->name;
  ctx.number = 1;
  ctx.container_name = name;
  ctx.api_minor = api_minor;
  ctx.guarded_paths = guarded_paths;
  for (const auto& n : spec.networks) {
    ctx.network_names[n.key] = n.name;
  }
  for (const auto& v : spec.volumes) {
    ctx.volume_names[v.key] = v.name;
  }
  for (const auto& other : spec.services) {
    ctx.service_containers[other.name] = plan::container_name(spec, other, 1);
  }
  Result<engine::ContainerCreate> create =
      plan::container_create(project.loaded.model, service->name, ctx);
  if (!create) {
    return create;
  }
  engine::ContainerCreate& c = *create;
  c.name = name;
  for (auto& [k, v] : plan::container_labels(spec, *service, 1, plan::service_config_hash(*node))) {
    c.labels[k] = v;
  }
  c.labels.erase(std::string(plan::label::kNumber));
  c.labels[std::string(plan::label::kOneoff)] = "True";
  c.labels[std::string(kSlugLabel)] = slug;

  // Compose run: no restart policy, only the container's own name as alias.
  c.restart_policy = {};
  for (auto& network : c.networks) {
    network.endpoint.aliases = {name};
  }
  if (request.command) {
    c.cmd = *request.command;
  }
  if (request.entrypoint) {
    c.entrypoint = *request.entrypoint;
  }
  for (const auto& e : request.env) {
    if (e.empty() || e.front() == '=') {
      return Error(ErrorCode::InvalidSpec, "invalid environment entry \"" + e + "\"");
    }
    set_env(c.env, e);
  }
  if (!request.user.empty()) {
    c.user = request.user;
  }
  if (!request.workdir.empty()) {
    c.working_dir = request.workdir;
  }
  for (const auto& v : request.volumes) {
    auto colon = v.find(':');
    if (v.empty() || colon == 0) {
      return Error(ErrorCode::InvalidSpec,
                   "invalid volume \"" + v + "\": use SOURCE:TARGET[:MODE]");
    }
    if (colon == std::string::npos) {
      engine::MountConfig anonymous;
      anonymous.type = "volume";
      anonymous.target = v;
      c.mounts.push_back(anonymous);
      continue;
    }
    std::string source = v.substr(0, colon);
    if (auto exposed = plan::exposed_guarded_path(source, guarded_paths)) {
      return Error(ErrorCode::InvalidSpec,
                   "--volume " + v + ": " + plan::guarded_bind_message(source, *exposed));
    }
    if (source.front() != '/') {
      auto named = ctx.volume_names.find(source);
      if (named != ctx.volume_names.end()) {
        source = named->second;
      }
    }
    c.binds.push_back(source + v.substr(colon));
  }
  if (!request.service_ports) {
    c.port_bindings.clear();
  }
  for (const auto& p : request.publish) {
    Result<engine::PortBinding> binding = parse_publish(p);
    if (!binding) {
      return std::move(binding).error();
    }
    c.port_bindings.push_back(std::move(*binding));
  }
  c.tty = request.tty;
  c.open_stdin = request.stdin;
  c.stdin_once = request.stdin;
  c.attach_stdin = request.stdin && !request.detach;
  c.attach_stdout = !request.detach;
  c.attach_stderr = !request.detach;
  c.auto_remove = request.rm;
  return create;
}

namespace {

/// Places the one-off container's GPU reservation, if its service has one, and writes it into
/// `create`; the placement counts for other operations (as `planned_as`) until released.
asio::awaitable<Result<void>> place_one_off_gpus(GpuScheduler* gpus, const LoadedInputs& project,
                                                 const std::string& service,
                                                 const std::string& name,
                                                 const std::string& planned_as,
                                                 engine::ContainerCreate& create) {
  if (gpus == nullptr) {
    co_return Result<void>{};
  }
  Result<std::optional<plan::ServiceGpu>> gpu =
      plan::service_gpu(project.loaded.model, service, create, gpus->policy());
  if (!gpu) {
    co_return std::move(gpu).error();
  }
  if (!*gpu) {
    co_return Result<void>{};
  }
  Result<plan::ProjectGpuSettings> settings = plan::project_gpu_settings(project.loaded.model);
  if (!settings) {
    co_return std::move(settings).error();
  }
  Result<GpuSnapshot> snapshot = co_await gpus->observe(planned_as);
  if (!snapshot) {
    co_return std::move(snapshot).error().with_context("reading which GPUs are held");
  }
  std::vector<gpu::Request> requests{(*gpu)->request};
  Result<std::vector<gpu::Placement>> placed =
      gpu::place(requests, snapshot->inventory.devices, snapshot->ledger, settings->headroom);
  if (!placed) {
    co_return std::move(placed).error();
  }
  std::vector<std::pair<std::string, gpu::Hold>> holds;
  for (const auto& uuid : placed->front().uuids) {
    holds.push_back({uuid, gpu::Hold{name, false, requests.front().mode, requests.front().memory}});
  }
  gpus->hold_planned(planned_as, std::move(holds));
  plan::apply_gpu_placement(create, **gpu, placed->front());
  co_return Result<void>{};
}

} // namespace

asio::awaitable<Result<OneOffContainer>> create_one_off(engine::DockerClient& docker,
                                                        ProjectOperations& operations,
                                                        const LoadedInputs& project,
                                                        proto::RunRequest request, std::string slug,
                                                        ProgressSink progress) {
  Result<engine::ApiVersion> version = co_await docker.api_version();
  if (!version) {
    co_return std::move(version).error().with_context("connecting to the Docker engine");
  }
  const std::string name =
      request.name.empty() ? one_off_name(project.spec.name, request.service, slug) : request.name;
  Result<engine::ContainerCreate> create =
      one_off_create(project, request, name, slug, version->minor, operations.guarded_paths());
  if (!create) {
    co_return std::move(create).error();
  }

  std::vector<std::string> dependencies;
  if (!request.no_deps) {
    plan::DependencyGraph graph(project.spec);
    std::vector<std::string> selected{request.service};
    for (auto& s : graph.with_dependencies(selected)) {
      if (s != request.service) {
        dependencies.push_back(std::move(s));
      }
    }
  }
  if (!dependencies.empty()) {
    proto::UpOptions up;
    up.services = dependencies;
    Result<void> deps = co_await operations.up(project, up, progress);
    if (!deps) {
      co_return std::move(deps).error().with_context("starting the dependencies of " +
                                                     request.service);
    }
  } else {
    Result<void> networks = co_await ensure_networks(docker, project, progress);
    if (!networks) {
      co_return std::move(networks).error();
    }
    Result<void> volumes = co_await ensure_volumes(docker, project, progress);
    if (!volumes) {
      co_return std::move(volumes).error();
    }
  }

  const compose::ServiceSpec* service = project.spec.service(request.service);
  std::string image = service->image;
  Result<engine::ImageInspect> found = co_await docker.inspect_image(image);
  if (!found && found.error().code() != ErrorCode::NotFound) {
    co_return std::move(found).error().with_context("inspecting image " + image);
  }
  if (!found) {
    if (service->build) {
      co_return Error(ErrorCode::NotFound, "image " + image + " of service " + request.service +
                                               " does not exist; build it first with `aic up "
                                               "--build --no-start " +
                                               request.service + "`");
    }
    const compose::Node* node = project.loaded.model.find("services")->find(request.service);
    const compose::Node* policy = node ? node->find("pull_policy") : nullptr;
    if (policy && policy->text == "never") {
      co_return Error(ErrorCode::NotFound, "service " + request.service + ": image " + image +
                                               " is missing and pull_policy is never");
    }
    engine::ProgressCallback on_progress; // named: no temporaries inside co_await (GCC 12)
    Result<void> pulled = co_await docker.pull_image(image, on_progress);
    if (!pulled) {
      co_return std::move(pulled).error().with_context("pulling " + image + " for service " +
                                                       request.service);
    }
  }

  // The one-off's GPUs are placed like a replica's, against every hold on the machine
  // (docs/gpus.md); its labels then make it a holder like any other.
  GpuScheduler* gpus = operations.gpu_scheduler();
  const std::string planned_as = project.spec.name + " run " + name;
  // The planned hold lasts until the container (and its labels) exists, however this ends.
  struct ReleasePlanned {
    GpuScheduler* gpus;
    std::string key;
    ~ReleasePlanned() {
      if (gpus != nullptr) {
        gpus->release_planned(key);
      }
    }
  } release_planned{gpus, planned_as};
  if (Result<void> placed =
          co_await place_one_off_gpus(gpus, project, request.service, name, planned_as, *create);
      !placed) {
    co_return std::move(placed).error();
  }
  label_gpu_free(*create);
  Result<engine::CreatedId> created = co_await docker.create_container(*create);
  if (!created) {
    co_return std::move(created).error().with_context("creating container " + name);
  }
  const std::string id = created->id;
  // Before 1.44 a container joins one network at create; the others are connected now.
  for (std::size_t i = 1; version->minor < 44 && i < create->networks.size(); ++i) {
    std::string network = create->networks[i].name;
    engine::NetworkEndpoint endpoint = create->networks[i].endpoint;
    Result<void> connected = co_await docker.connect_network(network, id, endpoint);
    if (!connected) {
      engine::RemoveContainerOptions force;
      force.force = true;
      Result<void> removed = co_await docker.remove_container(id, force);
      (void)removed; // the connect error is the one to report
      co_return std::move(connected).error().with_context("connecting " + name + " to " + network);
    }
  }
  if (request.detach) {
    Result<void> started = co_await docker.start_container(id);
    if (!started) {
      co_return std::move(started).error().with_context("starting container " + name);
    }
  }
  OneOffContainer out;
  out.id = id;
  out.name = name;
  out.tty = create->tty;
  co_return out;
}

} // namespace aic::supervisor
