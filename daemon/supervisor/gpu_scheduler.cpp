#include "supervisor/gpu_scheduler.hpp"

#include "plan/naming.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/gpu_holds.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool running_state(const std::string& state) {
  return state == "running" || state == "paused" || state == "restarting";
}

std::string mode_text(gpu::Mode mode) {
  return mode == gpu::Mode::Shared ? "shared" : "exclusive";
}

} // namespace

struct GpuScheduler::State {
  State(asio::any_io_executor e, engine::DockerClient& d, asio::thread_pool& b, events::EventHub* h,
        GpuSchedulerOptions o)
      : executor(std::move(e)), docker(d), blocking(b), hub(h), options(std::move(o)) {}

  asio::any_io_executor executor;
  engine::DockerClient& docker;
  asio::thread_pool& blocking;
  events::EventHub* hub;
  GpuSchedulerOptions options;
  static constexpr std::chrono::seconds kProbeWait{15};
  bool probed = false;
  bool probing = false;
  int empty_probes = 0;
  std::shared_ptr<Signal> probe_done = std::make_shared<Signal>(executor);
  bool started = false;
  bool stopped = false;
  gpu::Inventory inventory;
  std::int64_t probed_ns = 0;
  /// Foreign containers' GPU requests by container id: inspected once, as they cannot change.
  std::map<std::string, std::vector<ForeignGpuRequest>> foreign;
  /// Containers being inspected for `foreign` now; a concurrent observe waits for these
  /// instead of inspecting them again.
  std::set<std::string> inspecting;
  std::shared_ptr<Signal> inspected = std::make_shared<Signal>(executor);
  /// Inspections of new containers at once, per observe.
  static constexpr std::size_t kParallelInspects = 16;
  /// How long an observe waits for another one's inspections.
  static constexpr std::chrono::seconds kInspectWait{30};
  /// Planned holds by project: (UUID, hold).
  std::map<std::string, std::vector<std::pair<std::string, gpu::Hold>>> planned;
  proto::GpuStatus last;

  void log(std::string_view level, const std::string& message) const {
    if (options.log) {
      options.log(level, message);
    }
  }

  /// Probes once at a time: a caller arriving while a probe runs waits for it (at most
  /// kProbeWait; a wedged driver can hang NVML, and that thread cannot be taken back).
  asio::awaitable<Result<void>> probe() {
    if (probing) {
      auto deadline = std::chrono::steady_clock::now() + kProbeWait;
      while (probing && std::chrono::steady_clock::now() < deadline) {
        co_await probe_done->wait(std::chrono::milliseconds(500));
      }
      if (probing && !probed) {
        co_return Error(ErrorCode::Timeout, "the GPU probe has not answered for " +
                                                std::to_string(kProbeWait.count()) + " s");
      }
      co_return Result<void>{};
    }
    probing = true;
    Result<void> out = co_await probe_once();
    probing = false;
    probe_done->notify_all();
    co_return out;
  }

  asio::awaitable<Result<void>> probe_once() {
    gpu::InventoryConfig config = options.inventory;
    std::function<Result<gpu::Inventory>()> work = [config]() {
      return gpu::probe_inventory(config);
    };
    Result<gpu::Inventory> found = co_await on_pool<gpu::Inventory>(blocking, work);
    if (!found) {
      co_return std::move(found).error();
    }
    bool first = !probed;
    if (!first && found->devices.empty() && !inventory.devices.empty() &&
        options.inventory.file.empty() && ++empty_probes < 2) {
      // One failed probe (a driver reload, a busy nvidia-smi) does not take the cards away:
      // holds on them stay valid and ups keep placing until the next probe agrees.
      log("warning", "gpus: the probe found none this time (" + found->detail +
                         "); keeping the last inventory");
      co_return Result<void>{};
    }
    empty_probes = 0;
    bool changed = first || found->devices.size() != inventory.devices.size() ||
                   found->source != inventory.source;
    inventory = std::move(*found);
    probed = true;
    probed_ns = now_ns();
    if (changed) {
      if (inventory.devices.empty()) {
        log("info", "gpus: none found (" + inventory.detail + ")");
      } else if (inventory.source == "fake") {
        log("warning", "gpus: " + std::to_string(inventory.devices.size()) +
                           " from the inventory file " + options.inventory.file +
                           " (source: fake), not from the machine");
      } else {
        log("info", "gpus: " + std::to_string(inventory.devices.size()) + " found through " +
                        inventory.source);
      }
    }
    co_return Result<void>{};
  }

  /// Reads the GPU requests of containers new to `foreign` (listed in `inspecting` by the
  /// caller), kParallelInspects at a time; takes them out of `inspecting` and wakes waiting
  /// observes whatever happens.
  asio::awaitable<Result<void>> inspect_new(std::vector<std::string> ids) {
    std::optional<Error> failure;
    for (std::size_t begin = 0; begin < ids.size(); begin += kParallelInspects) {
      const std::size_t end = std::min(ids.size(), begin + kParallelInspects);
      std::vector<Task> tasks;
      for (std::size_t i = begin; i < end && !failure; ++i) {
        tasks.push_back([this, id = ids[i]]() -> asio::awaitable<Result<void>> {
          Result<engine::ContainerInspect> read = co_await docker.inspect_container(id);
          if (!read) {
            if (read.error().code() == ErrorCode::NotFound) {
              co_return Result<void>{}; // removed meanwhile
            }
            co_return std::move(read).error().with_context("inspecting container " + id);
          }
          foreign[id] = foreign_gpu_requests(*read);
          co_return Result<void>{};
        });
      }
      std::vector<Result<void>> results = co_await run_parallel(executor, std::move(tasks));
      for (Result<void>& done : results) {
        if (!done && !failure) {
          failure = std::move(done).error();
        }
      }
    }
    for (const std::string& id : ids) {
      inspecting.erase(id);
    }
    inspected->notify_all();
    if (failure) {
      co_return std::move(*failure);
    }
    co_return Result<void>{};
  }

  asio::awaitable<Result<GpuSnapshot>> observe(std::string project) {
    if (!probed) {
      if (Result<void> ok = co_await probe(); !ok) {
        co_return std::move(ok).error();
      }
    }
    // Holds planned now may turn into containers (and be released) while the list is under
    // way: both the holds planned before and after it count.
    std::map<std::string, std::vector<std::pair<std::string, gpu::Hold>>> planned_before = planned;
    engine::ContainerListOptions list;
    list.all = true;
    Result<std::vector<engine::ContainerSummary>> containers =
        co_await docker.list_containers(list);
    if (!containers) {
      co_return std::move(containers).error().with_context("listing containers for GPU holds");
    }
    std::set<std::string> seen;
    std::vector<std::string> to_inspect;
    std::vector<std::string> others_inspect;
    for (const auto& c : *containers) {
      seen.insert(c.id);
      // aicd's containers say what they hold in their labels (GPUs, or none at all); every
      // other one (also aicd's from before those labels) is read from its DeviceRequests, once.
      if (labelled_hold(c.labels) ||
          !plan::label_value(c.labels, plan::label::kGpuRequest).empty() ||
          plan::label_value(c.labels, plan::label::kGpuNone) == "true" ||
          foreign.count(c.id) != 0) {
        continue;
      }
      if (inspecting.insert(c.id).second) {
        to_inspect.push_back(c.id);
      } else {
        others_inspect.push_back(c.id);
      }
    }
    if (Result<void> read = co_await inspect_new(std::move(to_inspect)); !read) {
      co_return std::move(read).error();
    }
    const auto deadline = std::chrono::steady_clock::now() + kInspectWait;
    const auto pending = [&] {
      return std::any_of(others_inspect.begin(), others_inspect.end(),
                         [&](const std::string& id) { return inspecting.count(id) != 0; });
    };
    while (pending() && std::chrono::steady_clock::now() < deadline) {
      co_await inspected->wait(std::chrono::milliseconds(500));
    }
    if (pending()) {
      co_return Error(ErrorCode::Timeout, "containers inspected for GPU holds by another request "
                                          "have not answered for " +
                                              std::to_string(kInspectWait.count()) + " s");
    }
    std::erase_if(foreign, [&](const auto& kv) {
      return seen.count(kv.first) == 0 && inspecting.count(kv.first) == 0;
    });

    GpuSnapshot out;
    out.inventory = inventory;
    for (const auto& c : *containers) {
      const std::string name = c.names.empty() ? c.id.substr(0, 12) : c.names.front();
      proto::GpuHolder holder;
      holder.container = name;
      holder.state = c.state;
      if (std::optional<LabelledHold> hold = labelled_hold(c.labels)) {
        add_labelled(out.ledger, name, *hold);
        holder.project = plan::label_value(c.labels, plan::label::kProject);
        holder.service = plan::label_value(c.labels, plan::label::kService);
        holder.number = plan::container_number(c.labels);
        holder.mode = mode_text(hold->mode);
        holder.memory = hold->memory;
        out.holders[name] = holder;
        continue;
      }
      auto f = foreign.find(c.id);
      if (f == foreign.end() || f->second.empty() || !running_state(c.state)) {
        continue;
      }
      for (const auto& request : f->second) {
        gpu::add_foreign(out.ledger, name, request.count, request.ids, inventory.devices);
      }
      holder.foreign = true;
      holder.project = plan::label_value(c.labels, plan::label::kProject);
      holder.service = plan::label_value(c.labels, plan::label::kService);
      holder.number = plan::container_number(c.labels);
      out.holders[name] = holder;
    }
    // Planned holds of other ups, unless their container exists by now (it has the label).
    for (const auto& [p, now] : planned) {
      planned_before[p].insert(planned_before[p].end(), now.begin(), now.end());
    }
    for (const auto& [p, holds] : planned_before) {
      if (p == project) {
        continue;
      }
      for (const auto& [uuid, hold] : holds) {
        std::vector<gpu::Hold>& on = out.ledger[uuid];
        if (std::none_of(on.begin(), on.end(),
                         [&](const gpu::Hold& h) { return h.holder == hold.holder; })) {
          on.push_back(hold);
          proto::GpuHolder& holder = out.holders[hold.holder];
          holder.container = hold.holder;
          holder.project = p;
          holder.mode = mode_text(hold.mode);
          holder.memory = hold.memory;
          holder.state = "planned";
        }
      }
    }
    if (project.empty()) {
      last = gpu_status(out, options.policy);
      last.probed_ns = probed_ns;
    }
    co_return out;
  }

  /// Turns the engine's create and destroy of GPU-holding containers into "gpu" events.
  void translate(const proto::ProjectEvent& e) {
    if (e.type != proto::event_type::kContainer ||
        (e.action != "create" && e.action != "destroy")) {
      return;
    }
    auto uuids = e.attributes.find(std::string(plan::label::kGpuUuids));
    if (uuids == e.attributes.end() || uuids->second.empty()) {
      return;
    }
    proto::ProjectEvent out;
    out.project = e.project;
    out.type = std::string(proto::event_type::kGpu);
    out.action = e.action == "create" ? "allocated" : "released";
    out.service = e.service;
    out.container = e.container;
    out.container_id = e.container_id;
    out.attributes["uuids"] = uuids->second;
    for (auto [key, name] :
         {std::pair{plan::label::kGpuMode, "mode"}, std::pair{plan::label::kGpuMemory, "memory"}}) {
      if (auto it = e.attributes.find(std::string(key)); it != e.attributes.end()) {
        out.attributes[name] = it->second;
      }
    }
    hub->publish(std::move(out));
  }

  asio::awaitable<void> watch_events() {
    std::uint64_t cursor = hub->last_id();
    events::EventFilter containers;
    containers.types = {std::string(proto::event_type::kContainer)};
    while (!stopped && !hub->closed()) {
      co_await hub->wait(cursor, std::chrono::seconds(5));
      events::EventBatch batch = hub->read_after(cursor, containers, 512);
      cursor = batch.cursor;
      for (const auto& e : batch.events) {
        translate(e);
      }
    }
  }

  asio::awaitable<void> refresh_loop() {
    asio::steady_timer timer(executor);
    while (!stopped) {
      timer.expires_after(options.refresh);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopped) {
        break;
      }
      if (Result<void> ok = co_await probe(); !ok) {
        log("warning", "gpus: " + ok.error().describe());
      }
      if (Result<GpuSnapshot> snap = co_await observe(""); !snap) {
        log("debug", "gpus: " + snap.error().describe());
      }
    }
  }
};

GpuScheduler::GpuScheduler(asio::any_io_executor executor, engine::DockerClient& docker,
                           asio::thread_pool& blocking, events::EventHub* hub,
                           GpuSchedulerOptions options)
    : state_(std::make_shared<State>(std::move(executor), docker, blocking, hub,
                                     std::move(options))) {}

GpuScheduler::~GpuScheduler() {
  state_->stopped = true;
}

asio::awaitable<Result<void>> GpuScheduler::probe() {
  std::shared_ptr<State> s = state_;
  co_return co_await s->probe();
}

void GpuScheduler::start() {
  if (state_->started) {
    return;
  }
  state_->started = true;
  std::shared_ptr<State> s = state_;
  auto report = [s](std::exception_ptr e) {
    if (!e) {
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      s->log("error", std::string("gpus: ") + ex.what());
    } catch (...) {
      s->log("error", "gpus: unexpected failure");
    }
  };
  auto refresh = [s]() -> asio::awaitable<void> { co_await s->refresh_loop(); };
  asio::co_spawn(s->executor, std::move(refresh), report);
  if (s->hub) {
    auto watch = [s]() -> asio::awaitable<void> { co_await s->watch_events(); };
    asio::co_spawn(s->executor, std::move(watch), report);
  }
}

void GpuScheduler::stop() {
  state_->stopped = true;
}

gpu::Policy GpuScheduler::policy() const {
  return state_->options.policy;
}

asio::awaitable<Result<GpuSnapshot>> GpuScheduler::observe(std::string project) {
  std::shared_ptr<State> s = state_;
  co_return co_await s->observe(std::move(project));
}

void GpuScheduler::hold_planned(const std::string& project,
                                std::vector<std::pair<std::string, gpu::Hold>> holds) {
  state_->planned[project] = std::move(holds);
}

void GpuScheduler::release_planned(const std::string& project) {
  state_->planned.erase(project);
}

asio::awaitable<Result<proto::GpuStatus>> GpuScheduler::status() {
  std::shared_ptr<State> s = state_;
  Result<GpuSnapshot> snap = co_await s->observe("");
  if (!snap) {
    co_return std::move(snap).error();
  }
  co_return s->last;
}

proto::GpuStatus GpuScheduler::last_status() const {
  return state_->last;
}

proto::GpuStatus gpu_status(const GpuSnapshot& snapshot, gpu::Policy policy) {
  proto::GpuStatus out;
  out.source = snapshot.inventory.source;
  out.driver_version = snapshot.inventory.driver_version;
  out.detail = snapshot.inventory.detail;
  out.policy = policy == gpu::Policy::Binpack ? "binpack" : "spread";
  std::set<std::string> known;
  for (const auto& d : snapshot.inventory.devices) {
    known.insert(d.uuid);
    proto::GpuDevice dev;
    dev.index = d.index;
    dev.uuid = d.uuid;
    dev.name = d.name;
    dev.memory_total = d.total_bytes;
    dev.memory_used = d.used_bytes;
    dev.utilization = d.utilization;
    dev.mig = d.mig;
    dev.healthy = d.healthy;
    if (auto it = snapshot.ledger.find(d.uuid); it != snapshot.ledger.end()) {
      for (const auto& h : it->second) {
        proto::GpuHolder holder;
        if (auto known_holder = snapshot.holders.find(h.holder);
            known_holder != snapshot.holders.end()) {
          holder = known_holder->second;
        }
        holder.container = h.holder;
        holder.foreign = h.foreign;
        holder.mode = mode_text(h.mode);
        holder.memory = h.memory;
        dev.memory_reserved += h.memory;
        dev.holders.push_back(std::move(holder));
      }
    }
    out.devices.push_back(std::move(dev));
  }
  std::sort(out.devices.begin(), out.devices.end(),
            [](const auto& a, const auto& b) { return a.index < b.index; });
  for (const auto& [uuid, holds] : snapshot.ledger) {
    if (known.count(uuid) == 0) {
      for (const auto& h : holds) {
        out.warnings.push_back("container " + h.holder + " holds " + uuid +
                               ", which is no longer present; it will fail to start; run "
                               "\"aic up\" to place it again");
      }
    }
  }
  return out;
}

} // namespace aic::supervisor
