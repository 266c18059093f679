#include "supervisor/supervisor.hpp"

#include "health/policy.hpp"
#include "health/supervision.hpp"
#include "plan/naming.hpp"
#include "proto/project_event.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"
#include "supervisor/supervision_file.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <deque>
#include <map>
#include <random>
#include <utility>

namespace aic::supervisor {

namespace asio = boost::asio;

namespace {

using health::Time;

constexpr std::size_t kKeptRecords = 100;
constexpr std::size_t kRecentPerService = 10;
constexpr std::size_t kMaxDetailBytes = 1024;
constexpr std::chrono::seconds kWatermarkEvery{60};
constexpr std::chrono::milliseconds kMinWait{5};
/// Containers inspected at once after a run of events (a project's `down` brings dozens).
constexpr std::size_t kParallelRefreshes = 8;

std::int64_t to_ns(Time t) {
  return t.time_since_epoch().count();
}
Time from_ns(std::int64_t ns) {
  return Time{} + std::chrono::nanoseconds(ns);
}

std::string cut(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  if (text.size() > kMaxDetailBytes) {
    text.resize(kMaxDetailBytes);
    text += "...";
  }
  return text;
}

/// Container actions that may change what supervision decides on (probes' exec_* do not).
bool relevant(std::string_view action) {
  for (std::string_view a :
       {"start", "die", "stop", "kill", "restart", "pause", "unpause", "oom"}) {
    if (action == a) {
      return true;
    }
  }
  return action.rfind("health_status", 0) == 0;
}

health::Condition condition_of(compose::DependencyCondition c) {
  switch (c) {
  case compose::DependencyCondition::Healthy:
    return health::Condition::Healthy;
  case compose::DependencyCondition::CompletedSuccessfully:
    return health::Condition::CompletedSuccessfully;
  case compose::DependencyCondition::Started:
    break;
  }
  return health::Condition::Started;
}

/// What supervision needs of a container, from its inspect. `healthy_hint`: when the engine
/// reported it healthy (the event's time), when known.
health::ContainerView view_of(const engine::ContainerInspect& c, std::optional<Time> healthy_hint) {
  health::ContainerView v;
  v.id = c.id;
  v.name = c.name;
  v.service = plan::label_value(c.config.labels, plan::label::kService);
  v.running = c.state.running && !c.state.paused && !c.state.restarting;
  v.exit_code = c.state.exit_code;
  if (auto t = proto::parse_rfc3339_ns(c.state.started_at)) {
    v.started_at = from_ns(*t);
  }
  if (c.state.health) {
    const engine::ContainerHealth& h = *c.state.health;
    v.health = h.status;
    for (auto it = h.log.rbegin(); it != h.log.rend(); ++it) {
      if (it->exit_code != 0) {
        v.health_output = cut(it->output);
        break;
      }
    }
    if (h.status == "healthy") {
      if (healthy_hint) {
        v.healthy_at = healthy_hint;
      } else {
        // The engine keeps the last five probes, across restarts: when the oldest kept probe
        // began before this start, the log reaches back to it, and the first pass after the
        // start is when the container turned healthy. Otherwise the moment is unknown.
        bool covers_start = false;
        for (const auto& probe : h.log) {
          auto start = proto::parse_rfc3339_ns(probe.start);
          auto end = proto::parse_rfc3339_ns(probe.end);
          if (!start || !end) {
            continue;
          }
          if (from_ns(*start) < v.started_at) {
            covers_start = true;
          } else if (probe.exit_code == 0 && covers_start) {
            v.healthy_at = from_ns(*end);
            break;
          }
        }
      }
    }
  }
  return v;
}

} // namespace

struct Supervisor::State : std::enable_shared_from_this<Supervisor::State> {
  struct Project {
    health::ProjectSupervision decisions;
    std::map<std::string, health::RestartOnUnhealthy> policies;
    std::deque<proto::RestartRecord> records; ///< oldest first, at most kKeptRecords
    std::map<std::string, int> restarts;      ///< by container name
    std::map<std::string, int> service_restarts;
    int acting = 0;
    bool saving = false;
    bool dirty = false;
    std::int64_t watched_until_ns = 0; ///< as last saved
  };

  State(asio::any_io_executor ex, engine::DockerClient& d, events::EventHub& h,
        const store::ProjectStore& in, store::ProjectStore& rec, asio::thread_pool& pool,
        const std::set<std::string>& b, SupervisorOptions o)
      : executor(std::move(ex)), docker(d), hub(h), inputs(in), records(rec), blocking(pool),
        busy(b), options(std::move(o)), idle(executor), rng(std::random_device{}()) {}

  void log(std::string_view level, const std::string& message) const {
    if (options.log) {
      options.log(level, message);
    }
  }

  // ---- loading ---------------------------------------------------------------------------

  /// (Re)reads the project's rules from its stored inputs; drops it when it has none.
  asio::awaitable<void> load(std::string name) {
    const store::ProjectStore* in = &inputs;
    std::function<Result<std::optional<LoadedInputs>>()> work = [in, name]() {
      return load_stored_inputs(*in, name);
    };
    Result<std::optional<LoadedInputs>> loaded =
        co_await on_pool<std::optional<LoadedInputs>>(blocking, work);
    if (!loaded) {
      log("warning", "supervision of " + name + ": " + loaded.error().describe());
      co_return;
    }
    if (!*loaded) {
      if (projects.erase(name) != 0) {
        log("info", "supervision of " + name + " ended (no longer managed)");
        store::ProjectStore* rec = &records;
        std::function<Result<bool>()> remove = [rec, name]() -> Result<bool> {
          if (Result<void> ok = rec->remove(name); !ok) {
            return std::move(ok).error();
          }
          return true;
        };
        (void)co_await on_pool<bool>(blocking, remove);
      }
      co_return;
    }
    bool fresh = projects.count(name) == 0;
    Project& p = projects[name];
    std::vector<health::ServiceRules> rules;
    p.policies.clear();
    for (const auto& service : (*loaded)->spec.services) {
      health::ServiceRules r;
      r.service = service.name;
      Result<health::RestartOnUnhealthy> policy =
          health::restart_on_unhealthy((*loaded)->loaded.model, service);
      r.policy = policy ? *policy : health::RestartOnUnhealthy{};
      for (const auto& d : service.depends_on) {
        r.depends_on.push_back(
            health::DependencyRule{d.service, condition_of(d.condition), d.restart});
      }
      p.policies[service.name] = r.policy;
      rules.push_back(std::move(r));
    }
    p.decisions.set_rules(std::move(rules));
    if (fresh) {
      co_await restore(name);
    }
  }

  /// Reads the project's saved restart history and budgets, and whether aicd was blind since.
  asio::awaitable<void> restore(std::string name) {
    const store::ProjectStore* rec = &records;
    std::function<Result<std::optional<std::string>>()> work = [rec, name]() {
      return rec->load(name);
    };
    Result<std::optional<std::string>> text =
        co_await on_pool<std::optional<std::string>>(blocking, work);
    if (!text || !*text || projects.count(name) == 0) {
      co_return;
    }
    Result<SupervisionFile> file = decode_supervision_file(**text);
    if (!file) {
      log("warning", "the supervision file of " + name + " is " + file.error().message() +
                         "; starting afresh");
      co_return;
    }
    Project& p = projects[name];
    for (auto& [service, budget] : file->budgets) {
      p.decisions.restore(service, std::move(budget.attempts), budget.failed);
    }
    p.records = std::move(file->records);
    while (p.records.size() > kKeptRecords) {
      p.records.pop_front();
    }
    p.restarts = std::move(file->container_restarts);
    p.service_restarts = std::move(file->service_restarts);
    p.watched_until_ns = file->watched_until_ns;
  }

  // ---- persistence -----------------------------------------------------------------------

  std::string serialize(const std::string& name, const Project& p) const {
    SupervisionFile file{p.watched_until_ns, p.decisions.budgets(), p.restarts, p.service_restarts,
                         p.records};
    return encode_supervision_file(name, file);
  }

  /// Saves the project's file off the io_context; one write at a time, the latest state last.
  void save(const std::string& name) {
    auto it = projects.find(name);
    if (it == projects.end()) {
      return;
    }
    if (it->second.saving) {
      it->second.dirty = true;
      return;
    }
    it->second.saving = true;
    auto self = shared_from_this();
    auto task = [self, name]() -> asio::awaitable<void> {
      for (;;) {
        auto p = self->projects.find(name);
        if (p == self->projects.end()) {
          co_return;
        }
        p->second.dirty = false;
        std::string content = self->serialize(name, p->second);
        store::ProjectStore* rec = &self->records;
        std::function<Result<bool>()> work = [rec, name, content]() -> Result<bool> {
          if (Result<void> ok = rec->save(name, content); !ok) {
            return std::move(ok).error();
          }
          return true;
        };
        Result<bool> saved = co_await on_pool<bool>(self->blocking, work);
        if (!saved) {
          self->log("warning",
                    "saving the supervision state of " + name + ": " + saved.error().describe());
        }
        p = self->projects.find(name);
        if (p == self->projects.end()) {
          co_return;
        }
        if (!p->second.dirty) {
          p->second.saving = false;
          co_return;
        }
      }
    };
    asio::co_spawn(executor, std::move(task), asio::detached);
  }

  // ---- observing -------------------------------------------------------------------------

  /// Inspects one container and feeds it to its project's decisions.
  asio::awaitable<void> refresh(std::string project, std::string id,
                                std::optional<Time> healthy_hint) {
    std::string cid = id;
    Result<engine::ContainerInspect> inspect = co_await docker.inspect_container(cid);
    auto it = projects.find(project);
    if (it == projects.end()) {
      co_return;
    }
    if (!inspect) {
      if (inspect.error().code() == ErrorCode::NotFound) {
        it->second.decisions.forget(id);
      }
      co_return;
    }
    if (plan::label_value(inspect->config.labels, plan::label::kOneoff) == "True") {
      co_return;
    }
    health::ContainerView view = view_of(*inspect, healthy_hint);
    it->second.decisions.observe(std::move(view), std::chrono::system_clock::now(),
                                 busy.count(project) != 0 || operating.count(project) != 0);
  }

  /// An operation's event (`up started`, `down finished`, ...).
  asio::awaitable<void> handle_operation(const proto::ProjectEvent& e) {
    // Events come in order: the starts between "X started" and "X finished" are the user's.
    if (e.action.ends_with(" started")) {
      operating.insert(e.project);
    } else {
      operating.erase(e.project);
    }
    // After a user's operation containers changed: re-list. Only up and down change the stored
    // inputs (the rules); a project not yet supervised may have just been brought up.
    bool ended = e.action.ends_with(" finished") || e.action.ends_with(" failed");
    bool inputs_changed = e.action.starts_with("up ") || e.action.starts_with("down ") ||
                          projects.count(e.project) == 0;
    if (ended && inputs_changed) {
      co_await load(e.project);
    }
    if (ended && projects.count(e.project) != 0) {
      std::string one = e.project;
      co_await resync(one);
    }
  }

  /// A run of container events, each container refreshed once (its inspect shows its latest
  /// state whatever came between), kParallelRefreshes at a time, in the order of their first
  /// event; a container destroyed within the run is only forgotten. The `healthy` hint is the
  /// time of a container's last `health_status: healthy` when nothing relevant followed it, as a
  /// refresh after that event alone would have had it.
  asio::awaitable<void> handle_containers(std::vector<proto::ProjectEvent> run) {
    struct Pending {
      std::string project;
      std::string id;
      std::optional<Time> hint;
      bool refresh = false;
      bool destroyed = false;
    };
    std::vector<Pending> pending;
    std::map<std::string, std::size_t> index;
    for (const auto& e : run) {
      if (projects.count(e.project) == 0) {
        continue;
      }
      auto [at, added] = index.try_emplace(e.container_id, pending.size());
      if (added) {
        pending.push_back(Pending{e.project, e.container_id});
      }
      Pending& p = pending[at->second];
      if (e.action == "destroy") {
        p.destroyed = true;
      } else if (relevant(e.action)) {
        p.refresh = true;
        p.hint.reset();
        if (e.action == "health_status: healthy" && e.time_ns > 0) {
          p.hint = from_ns(e.time_ns);
        }
      }
    }
    std::vector<Task> refreshes;
    for (Pending& p : pending) {
      if (p.destroyed) {
        if (auto it = projects.find(p.project); it != projects.end()) {
          it->second.decisions.forget(p.id);
        }
      } else if (p.refresh) {
        refreshes.push_back([this, p]() -> asio::awaitable<Result<void>> {
          co_await refresh(p.project, p.id, p.hint);
          co_return Result<void>{};
        });
      }
    }
    (void)co_await run_parallel(executor, std::move(refreshes), kParallelRefreshes);
  }

  /// Re-lists one project (or every supervised one when `project` is empty) and refreshes the
  /// containers whose state differs from what aicd last saw. False when the engine failed.
  /// With `full`, every container is inspected: after a blind spot, a restart changes nothing the
  /// list shows for a container without a healthcheck.
  asio::awaitable<bool> resync(std::string project, bool full = false) {
    const engine::ContainerListOptions list = engine::ContainerListOptions::labelled(
        {project.empty() ? std::string(plan::label::kProject)
                         : plan::label_filter(plan::label::kProject, project)});
    Result<std::vector<engine::ContainerSummary>> containers =
        co_await docker.list_containers(list);
    if (!containers) {
      co_return false;
    }
    std::map<std::string, std::set<std::string>> seen;
    for (const auto& c : *containers) {
      std::string name = plan::label_value(c.labels, plan::label::kProject);
      if (projects.count(name) == 0 ||
          plan::label_value(c.labels, plan::label::kOneoff) == "True") {
        continue;
      }
      seen[name].insert(c.id);
      const auto& known = projects[name].decisions.containers();
      auto k = known.find(c.id);
      bool running = c.state == "running";
      if (!full && k != known.end() && k->second.running == running &&
          k->second.health == health_from_status(c.status)) {
        continue;
      }
      co_await refresh(name, c.id, std::nullopt);
    }
    for (auto& [name, p] : projects) {
      if (!project.empty() && name != project) {
        continue;
      }
      std::vector<std::string> gone;
      for (const auto& [id, view] : p.decisions.containers()) {
        if (seen[name].count(id) == 0) {
          gone.push_back(id);
        }
      }
      for (const auto& id : gone) {
        p.decisions.forget(id);
      }
    }
    co_return true;
  }

  // ---- acting ----------------------------------------------------------------------------

  void publish(const std::string& project, std::string action, const health::RestartAction& a,
               std::map<std::string, std::string> extra = {}) {
    proto::ProjectEvent e;
    e.project = project;
    e.type = std::string(proto::event_type::kSupervisor);
    e.action = std::move(action);
    e.service = a.service;
    e.container = a.container;
    e.container_id = a.container_id;
    e.attributes = std::move(extra);
    e.attributes["reason"] = std::string(health::reason_name(a.reason));
    if (a.attempt > 0) {
      e.attributes["attempt"] = std::to_string(a.attempt);
    }
    if (!a.detail.empty()) {
      e.attributes["detail"] = a.detail;
    }
    hub.publish(std::move(e));
  }

  void record(const std::string& project, const health::RestartAction& a, std::string error) {
    auto it = projects.find(project);
    if (it == projects.end()) {
      return;
    }
    Project& p = it->second;
    proto::RestartRecord r;
    r.time_ns = to_ns(std::chrono::system_clock::now());
    r.service = a.service;
    r.container = a.container;
    r.reason = std::string(health::reason_name(a.reason));
    r.attempt = a.attempt;
    r.detail = a.detail;
    r.error = std::move(error);
    if (r.error.empty()) {
      ++p.restarts[a.container];
      ++p.service_restarts[a.service];
    }
    p.records.push_back(r);
    while (p.records.size() > kKeptRecords) {
      p.records.pop_front();
    }
    if (options.on_restart && r.error.empty()) {
      options.on_restart(project, r);
    }
    save(project);
  }

  void publish_notices(const std::string& project, Project& p) {
    for (const auto& n : p.decisions.take_notices()) {
      using Kind = health::Notice::Kind;
      switch (n.kind) {
      case Kind::Scheduled: {
        auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(
            n.action.due - std::chrono::system_clock::now());
        publish(project, "restart scheduled", n.action,
                {{"delay_ms", std::to_string(std::max<std::int64_t>(0, delay.count()))}});
        log("info", project + ": " + n.message);
        break;
      }
      case Kind::Cancelled:
        publish(project, "restart cancelled", n.action);
        log("info", project + ": " + n.message);
        break;
      case Kind::GaveUp:
        publish(project, "gave up", n.action, {{"message", n.message}});
        log("warning", project + ": " + n.message);
        save(project);
        break;
      case Kind::BudgetReset:
        publish(project, "budget reset", n.action);
        log("info", project + ": " + n.message);
        save(project);
        break;
      case Kind::ObservedRestart:
        publish(project, "restart seen", n.action);
        log("info", project + ": " + n.message);
        record(project, n.action, "");
        break;
      }
    }
  }

  /// Carries out one restart; the project's `acting` count was raised by act().
  asio::awaitable<void> execute(std::string project, health::RestartAction action) {
    publish(project, "restarting", action);
    log("info", project + ": restarting " + action.container + " (" +
                    std::string(health::reason_name(action.reason)) +
                    (action.detail.empty() ? "" : ": " + action.detail) + ")");
    std::string id = action.container_id;
    Result<void> restarted = co_await docker.restart_container(id);
    // The new start is observed before the action counts as finished, so it is not mistaken
    // for a restart someone else made.
    co_await refresh(project, action.container_id, std::nullopt);
    auto it = projects.find(project);
    if (it != projects.end()) {
      it->second.decisions.finished(action, restarted.has_value(),
                                    std::chrono::system_clock::now());
      --it->second.acting;
    }
    std::string error = restarted ? std::string() : restarted.error().describe();
    record(project, action, error);
    if (restarted) {
      publish(project, "restarted", action);
    } else {
      publish(project, "restart failed", action, {{"error", error}});
      log("warning", project + ": restarting " + action.container + " failed: " + error);
    }
    idle.notify_all();
  }

  void act(Time now) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    for (auto& [name, p] : projects) {
      std::vector<health::RestartAction> due;
      if (busy.count(name) == 0) {
        due = p.decisions.take_due(now, jitter(rng));
      }
      // Notices first, so "restart scheduled" precedes the restart's own events.
      publish_notices(name, p);
      p.acting += static_cast<int>(due.size());
      for (auto& action : due) {
        auto self = shared_from_this();
        auto task = [self, project = name, action]() -> asio::awaitable<void> {
          co_await self->execute(project, action);
        };
        asio::co_spawn(executor, std::move(task), asio::detached);
      }
    }
  }

  /// Marks every project as possibly out of order since `since` (see ProjectSupervision::recover).
  void recover_all(Time since, Time now) {
    for (auto& [name, p] : projects) {
      Time from = since;
      if (p.watched_until_ns > 0 && (from == Time{} || from_ns(p.watched_until_ns) < from)) {
        from = from_ns(p.watched_until_ns);
      }
      if (from != Time{}) {
        p.decisions.recover(from, now, options.settle);
      }
    }
  }

  void save_watermarks(Time now) {
    for (auto& [name, p] : projects) {
      if (now - from_ns(p.watched_until_ns) >= kWatermarkEvery) {
        p.watched_until_ns = to_ns(now);
        save(name);
      }
    }
  }

  // ---- the loop --------------------------------------------------------------------------

  asio::awaitable<void> run() {
    std::uint64_t cursor = hub.last_id();
    std::function<Result<std::vector<std::string>>()> names = [in = &inputs]() {
      return in->names();
    };
    Result<std::vector<std::string>> stored =
        co_await on_pool<std::vector<std::string>>(blocking, names);
    if (stored) {
      for (const auto& name : *stored) {
        co_await load(name);
      }
    } else {
      log("warning", "supervision: " + stored.error().describe());
    }
    int connections = options.event_connections ? options.event_connections() : 0;
    Time now = std::chrono::system_clock::now();
    // Whatever started while aicd was away is checked against the dependency order.
    const std::string every_project;
    bool engine_ok = co_await resync(every_project, true);
    bool blind = !engine_ok;
    Time blind_since = now;
    if (engine_ok) {
      recover_all(Time{}, now);
    }
    Time last_live = now;
    // When aicd went blind: the last moment it saw the engine live, or when the event stream
    // dropped, whichever came first (a re-list may succeed before the stream notices).
    auto blind_from = [&]() {
      std::int64_t dropped =
          options.event_stream_dropped_ns ? options.event_stream_dropped_ns() : 0;
      return dropped > 0 ? std::min(last_live, from_ns(dropped)) : last_live;
    };
    auto next_resync = std::chrono::steady_clock::now() + options.resync_interval;
    while (!stopped) {
      now = std::chrono::system_clock::now();
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
          next_resync - std::chrono::steady_clock::now());
      for (auto& [name, p] : projects) {
        if (std::optional<Time> wake = p.decisions.next_wakeup(now)) {
          wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(*wake - now));
        }
      }
      wait = std::max(wait, kMinWait);
      co_await hub.wait(cursor, wait);
      if (stopped || hub.closed()) {
        break;
      }
      bool must_resync = false;
      bool full = false;
      if (options.event_connections) {
        int c = options.event_connections();
        if (c > connections && connections > 0) {
          // The event stream reconnected: the engine may have restarted meanwhile.
          if (!blind) {
            blind = true;
            blind_since = blind_from();
          }
          must_resync = true;
        }
        connections = std::max(connections, c);
      }
      events::EventFilter all;
      events::EventBatch batch = hub.read_after(cursor, all, 512);
      cursor = batch.cursor;
      if (batch.lost > 0 || batch.unknown_id) {
        must_resync = true;
        full = true;
      }
      // Container events are handled in runs (handle_containers); an operation's event keeps its
      // place between them, since it decides whose starts are the user's.
      std::vector<proto::ProjectEvent> containers;
      for (const auto& e : batch.events) {
        if (e.type == proto::event_type::kContainer) {
          containers.push_back(e);
        } else if (e.type == proto::event_type::kOperation) {
          co_await handle_containers(std::exchange(containers, {}));
          co_await handle_operation(e);
        }
      }
      co_await handle_containers(std::move(containers));
      if (must_resync || std::chrono::steady_clock::now() >= next_resync) {
        next_resync = std::chrono::steady_clock::now() + options.resync_interval;
        bool ok = co_await resync(every_project, full || blind);
        now = std::chrono::system_clock::now();
        if (!ok && !blind) {
          blind = true;
          blind_since = blind_from();
          log("warning", "supervision: the engine does not answer; watching for its return");
        } else if (ok && blind) {
          blind = false;
          log("info", "supervision: the engine answers again; checking dependency order");
          recover_all(blind_since, now);
        }
      }
      now = std::chrono::system_clock::now();
      if (!blind) {
        last_live = now;
        save_watermarks(now);
      }
      act(now);
    }
  }

  asio::any_io_executor executor;
  engine::DockerClient& docker;
  events::EventHub& hub;
  const store::ProjectStore& inputs;
  store::ProjectStore& records;
  asio::thread_pool& blocking;
  const std::set<std::string>& busy;
  SupervisorOptions options;
  Signal idle;
  std::mt19937 rng;
  std::map<std::string, Project> projects;
  std::set<std::string> operating; ///< projects between an operation's started and ended events
  bool started = false;
  bool stopped = false;
};

Supervisor::Supervisor(asio::any_io_executor executor, engine::DockerClient& docker,
                       events::EventHub& hub, const store::ProjectStore& inputs,
                       store::ProjectStore& records, asio::thread_pool& blocking,
                       const std::set<std::string>& busy, SupervisorOptions options)
    : state_(std::make_shared<State>(std::move(executor), docker, hub, inputs, records, blocking,
                                     busy, std::move(options))) {}

Supervisor::~Supervisor() {
  stop();
}

void Supervisor::start() {
  if (state_->started) {
    return;
  }
  state_->started = true;
  std::shared_ptr<State> s = state_;
  auto loop = [s]() -> asio::awaitable<void> { co_await s->run(); };
  asio::co_spawn(s->executor, std::move(loop), [s](std::exception_ptr e) {
    if (!e) {
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      s->log("error", std::string("supervision stopped: ") + ex.what());
    } catch (...) {
      s->log("error", "supervision stopped");
    }
  });
}

void Supervisor::stop() {
  state_->stopped = true;
}

void Supervisor::fill(proto::ProjectStatus& status) const {
  auto it = state_->projects.find(status.name);
  if (it == state_->projects.end()) {
    return;
  }
  const State::Project& p = it->second;
  for (auto& c : status.containers) {
    if (auto n = p.restarts.find(c.name); n != p.restarts.end()) {
      c.restarts = n->second;
    }
  }
  Time now = std::chrono::system_clock::now();
  for (const auto& s : p.decisions.states(now)) {
    proto::ServiceSupervision out;
    out.service = s.service;
    out.restart_on_unhealthy = s.supervised;
    out.state = s.failed ? "failed" : s.next_restart ? "backoff" : "ok";
    out.attempts_in_window = s.attempts_in_window;
    if (auto policy = p.policies.find(s.service); policy != p.policies.end()) {
      out.max_attempts = policy->second.max_attempts;
    }
    out.next_restart_ns = s.next_restart ? to_ns(*s.next_restart) : 0;
    if (auto n = p.service_restarts.find(s.service); n != p.service_restarts.end()) {
      out.restarts = n->second;
    }
    for (auto r = p.records.rbegin();
         r != p.records.rend() && out.recent.size() < kRecentPerService; ++r) {
      if (r->service == s.service) {
        out.recent.insert(out.recent.begin(), *r);
      }
    }
    status.supervision.push_back(std::move(out));
  }
}

bool Supervisor::acting(const std::string& project) const {
  auto it = state_->projects.find(project);
  return it != state_->projects.end() && it->second.acting > 0;
}

asio::awaitable<void> Supervisor::wait_idle(std::string project,
                                            std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (acting(project) && std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    co_await state_->idle.wait(std::max(left, std::chrono::milliseconds(1)));
  }
}

int Supervisor::failed_services() const {
  int n = 0;
  Time now = std::chrono::system_clock::now();
  for (const auto& [name, p] : state_->projects) {
    for (const auto& s : p.decisions.states(now)) {
      n += s.failed ? 1 : 0;
    }
  }
  return n;
}

} // namespace aic::supervisor
