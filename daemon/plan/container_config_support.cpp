#include "compose/diagnostic.hpp"
#include "plan/container_config.hpp"

#include <algorithm>

namespace aic::plan {
namespace {

using compose::Node;

// Service keys container_create maps, that the planner handles (build, depends_on, profiles,
// pull_policy, scale), or that never reach the engine even in compose (attach: log attaching on
// `up`; extends and env_file: resolved by the loader).
// clang-format off
constexpr std::string_view kHandledKeys[] = {
    "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup_parent", "command",
    "configs", "container_name", "cpu_period", "cpu_quota", "cpu_shares", "cpus", "cpuset",
    "depends_on", "deploy", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint",
    "env_file", "environment", "expose", "extends", "extra_hosts", "gpus", "group_add",
    "healthcheck", "hostname", "image", "init", "ipc", "labels", "links", "logging", "mac_address",
    "mem_limit", "mem_reservation", "memswap_limit", "network_mode", "networks",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "privileged",
    "profiles", "pull_policy", "read_only", "restart", "runtime", "scale", "secrets",
    "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "sysctls",
    "tmpfs", "tty", "ulimits", "user", "userns_mode", "volumes", "volumes_from", "working_dir"};
// clang-format on

// deploy keys: replicas (planner), resources and restart_policy (mapped), and the Swarm-only
// ones compose ignores (the loader warns about them).
constexpr std::string_view kDeployKeys[] = {"endpoint_mode",  "labels",          "mode",
                                            "placement",      "replicas",        "resources",
                                            "restart_policy", "rollback_config", "update_config"};
// limits: cpus, memory, pids. reservations: memory and devices; cpus and pids are Swarm-only or
// limits only and compose drops them.
constexpr std::string_view kLimitKeys[] = {"cpus", "memory", "pids"};
constexpr std::string_view kReservationKeys[] = {"cpus", "devices", "memory", "pids"};
// delay and window only matter to Swarm; compose drops them.
constexpr std::string_view kRestartPolicyKeys[] = {"condition", "delay", "max_attempts", "window"};

template <std::size_t N>
bool listed(const std::string_view (&keys)[N], std::string_view key) {
  return std::find(std::begin(keys), std::end(keys), key) != std::end(keys) ||
         key.substr(0, 2) == "x-";
}

// A value that asks for nothing: null, [] or {}.
bool empty_value(const Node& v) {
  return v.is_null() || (v.is_sequence() && v.items.empty()) ||
         (v.is_mapping() && v.entries.empty());
}

bool is_false(const Node* n) {
  return n && (n->text == "false" || n->text == "False" || n->text == "FALSE" || n->text == "no" ||
               n->text == "off" || n->text == "0" || n->text == "n");
}

class Checker {
public:
  Checker(const Node& model, std::string_view service) : model_(model), base_("services.") {
    base_ += service;
  }

  void add(const std::string& path, const std::string& why = "") {
    out.push_back(path + ": not supported by aic" + (why.empty() ? "" : " (" + why + ")"));
  }

  template <std::size_t N>
  void keys(const Node* map, const std::string& path, const std::string_view (&known)[N]) {
    if (!map || !map->is_mapping()) {
      return;
    }
    for (const auto& e : map->entries) {
      if (!listed(known, e.key) && !empty_value(e.value)) {
        add(compose::join_path(path, e.key));
      }
    }
  }

  void service(const Node& svc) {
    for (const auto& e : svc.entries) {
      const std::string path = compose::join_path(base_, e.key);
      if (!listed(kHandledKeys, e.key)) {
        if (!empty_value(e.value)) {
          add(path);
        }
      } else if (e.key == "volumes") {
        volumes(e.value, path);
      } else if (e.key == "secrets" || e.key == "configs") {
        file_references(e.value, path, e.key);
      } else if (e.key == "networks") {
        networks(e.value, path);
      } else if (e.key == "deploy") {
        deploy(e.value, path);
      } else if (e.key == "blkio_config") {
        keys(&e.value, path, {"weight"});
      } else if (e.key == "security_opt") {
        security_options(e.value, path);
      }
    }
  }

  std::vector<std::string> out;

private:
  void volumes(const Node& list, const std::string& path) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const Node& v = list.items[i];
      const std::string p = compose::index_path(path, i);
      const Node* type = v.find("type");
      if (type && type->text != "bind" && type->text != "volume" && type->text != "tmpfs") {
        add(p + ".type", "\"" + type->text + "\" mounts");
        continue;
      }
      if (const Node* vol = v.find("volume")) {
        keys(vol, p + ".volume", {"nocopy", "labels"});
      }
      if (const Node* bind = v.find("bind")) {
        keys(bind, p + ".bind", {"create_host_path", "propagation", "selinux"});
        if (is_false(bind->find("create_host_path"))) {
          for (const char* option : {"propagation", "selinux"}) {
            if (const Node* o = bind->find(option); o && !o->text.empty()) {
              add(p + ".bind." + option, "with create_host_path: false");
            }
          }
        }
      }
    }
  }

  void file_references(const Node& list, const std::string& path, const std::string& kind) {
    const Node* declared = model_.find(kind);
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const std::string source =
          list.items[i].find("source") ? list.items[i].find("source")->text : std::string();
      const Node* top = declared ? declared->find(source) : nullptr;
      if (!top) {
        continue;
      }
      const std::string what = kind.substr(0, 6) + " \"" + source + "\"";
      if (top->find("external") && top->find("external")->text == "true") {
        add(compose::index_path(path, i), "external " + what);
      } else if (top->find("environment")) {
        add(compose::index_path(path, i), what + " from an environment variable");
      } else if (top->find("content")) {
        add(compose::index_path(path, i), what + " from content");
      }
    }
  }

  void networks(const Node& map, const std::string& path) {
    for (const auto& e : map.entries) {
      const std::string p = compose::join_path(path, e.key);
      for (const char* key : {"link_local_ips", "gw_priority"}) {
        if (const Node* v = e.value.find(key); v && !empty_value(*v) && v->text != "0") {
          add(compose::join_path(p, key));
        }
      }
    }
  }

  void deploy(const Node& d, const std::string& path) {
    keys(&d, path, kDeployKeys);
    if (const Node* resources = d.find("resources")) {
      const std::string p = path + ".resources";
      keys(resources, p, {"limits", "reservations"});
      keys(resources->find("limits"), p + ".limits", kLimitKeys);
      keys(resources->find("reservations"), p + ".reservations", kReservationKeys);
    }
    keys(d.find("restart_policy"), path + ".restart_policy", kRestartPolicyKeys);
  }

  void security_options(const Node& list, const std::string& path) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
      const std::string& opt = list.items[i].text;
      if (opt == "systempaths=unconfined") {
        add(compose::index_path(path, i), opt);
        continue;
      }
      for (std::string_view prefix : {"seccomp=", "seccomp:"}) {
        if (opt.rfind(prefix, 0) == 0) {
          std::string_view profile = std::string_view(opt).substr(prefix.size());
          if (profile != "unconfined" && profile != "builtin") {
            add(compose::index_path(path, i), "seccomp profile files");
          }
        }
      }
    }
  }

  const Node& model_;
  std::string base_;
};

} // namespace

std::vector<std::string> unsupported_keys(const compose::Node& model,
                                          std::string_view service_name) {
  const Node* services = model.find("services");
  const Node* svc = services ? services->find(service_name) : nullptr;
  if (!svc || !svc->is_mapping()) {
    return {};
  }
  Checker checker(model, service_name);
  checker.service(*svc);
  return std::move(checker.out);
}

} // namespace aic::plan
