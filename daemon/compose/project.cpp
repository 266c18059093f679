#include "compose/project.hpp"

#include "compose/diagnostic.hpp"
#include "compose/units.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

namespace aic::compose {
namespace {

class SpecBuilder {
public:
  explicit SpecBuilder(const LoadedProject& project) : project_(project) {}

  Result<ProjectSpec> build() {
    ProjectSpec spec;
    spec.name = project_.name;
    spec.working_dir = project_.working_dir;
    spec.config_files = project_.config_files;
    const Node& model = project_.model;
    if (const Node* services = model.find("services")) {
      for (const auto& e : services->entries) {
        spec.services.push_back(service(e.key, e.value));
      }
    }
    if (const Node* networks = model.find("networks")) {
      for (const auto& e : networks->entries) {
        spec.networks.push_back(network(e.key, e.value));
      }
    }
    if (const Node* volumes = model.find("volumes")) {
      for (const auto& e : volumes->entries) {
        spec.volumes.push_back(volume(e.key, e.value));
      }
    }
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    auto by_key = [](const auto& a, const auto& b) { return a.key < b.key; };
    std::sort(spec.services.begin(), spec.services.end(), by_name);
    std::sort(spec.networks.begin(), spec.networks.end(), by_key);
    std::sort(spec.volumes.begin(), spec.volumes.end(), by_key);
    if (error_) {
      return unexpected(*error_);
    }
    return spec;
  }

private:
  static std::string text(const Node* n) { return n && n->is_scalar() ? n->text : std::string(); }
  static bool flag(const Node* n) { return n && n->type == ScalarType::Bool && n->text == "true"; }

  void fail(const std::string& path, const std::string& message) {
    if (!error_) {
      error_ = Error(ErrorCode::InvalidSpec, path + ": " + message);
    }
  }

  long long integer(const Node* n, const std::string& path, long long fallback) {
    if (!n || !n->is_scalar() || n->is_null()) {
      return fallback;
    }
    std::optional<long long> v = parse_yaml_int(n->text);
    if (!v) {
      fail(path, "not an integer: \"" + n->text + "\"");
      return fallback;
    }
    return *v;
  }

  int small_int(const Node* n, const std::string& path, int fallback) {
    long long v = integer(n, path, fallback);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
      fail(path, "out of range: " + std::to_string(v));
      return fallback;
    }
    return static_cast<int>(v);
  }

  std::optional<std::int64_t> duration(const Node* n, const std::string& path) {
    if (!n || n->is_null()) {
      return std::nullopt;
    }
    Result<std::int64_t> ns = parse_duration(n->text);
    if (!ns) {
      fail(path, ns.error().message());
      return std::nullopt;
    }
    return *ns;
  }

  static std::vector<std::string> strings(const Node* n) {
    std::vector<std::string> out;
    if (n && n->is_sequence()) {
      for (const auto& i : n->items) {
        out.push_back(i.text);
      }
    }
    return out;
  }

  static std::map<std::string, std::string> string_map(const Node* n) {
    std::map<std::string, std::string> out;
    if (n && n->is_mapping()) {
      for (const auto& e : n->entries) {
        out[e.key] = e.value.text;
      }
    }
    return out;
  }

  static std::map<std::string, std::optional<std::string>> optional_map(const Node* n) {
    std::map<std::string, std::optional<std::string>> out;
    if (n && n->is_mapping()) {
      for (const auto& e : n->entries) {
        out[e.key] = e.value.is_null() ? std::nullopt : std::optional<std::string>(e.value.text);
      }
    }
    return out;
  }

  ServiceSpec service(const std::string& name, const Node& n) {
    const std::string path = "services." + name;
    ServiceSpec s;
    s.name = name;
    s.image = text(n.find("image"));
    if (const Node* b = n.find("build")) {
      BuildSpec build;
      build.context = text(b->find("context"));
      build.dockerfile = text(b->find("dockerfile"));
      build.target = text(b->find("target"));
      build.args = optional_map(b->find("args"));
      s.build = std::move(build);
      if (s.image.empty()) {
        s.image = project_.name + "-" + name;
      }
    }
    if (const Node* c = n.find("command"); c && c->is_sequence()) {
      s.command = strings(c);
    }
    if (const Node* e = n.find("entrypoint"); e && e->is_sequence()) {
      s.entrypoint = strings(e);
    }
    s.environment = optional_map(n.find("environment"));
    s.labels = string_map(n.find("labels"));
    if (const Node* ports = n.find("ports")) {
      for (std::size_t i = 0; i < ports->items.size(); ++i) {
        const Node& p = ports->items[i];
        PortMapping m;
        m.host_ip = text(p.find("host_ip"));
        m.target = small_int(p.find("target"), index_path(path + ".ports", i) + ".target", 0);
        m.published = text(p.find("published"));
        m.protocol = text(p.find("protocol"));
        s.ports.push_back(std::move(m));
      }
    }
    s.expose = strings(n.find("expose"));
    if (const Node* volumes = n.find("volumes")) {
      for (const auto& v : volumes->items) {
        Mount m;
        m.type = text(v.find("type"));
        m.source = text(v.find("source"));
        m.target = text(v.find("target"));
        m.read_only = flag(v.find("read_only"));
        if (const Node* bind = v.find("bind")) {
          m.create_host_path = flag(bind->find("create_host_path"));
        }
        s.mounts.push_back(std::move(m));
      }
    }
    if (const Node* deps = n.find("depends_on")) {
      for (const auto& d : deps->entries) {
        Dependency dep;
        dep.service = d.key;
        std::string condition = text(d.value.find("condition"));
        dep.condition = condition == "service_healthy" ? DependencyCondition::Healthy
                        : condition == "service_completed_successfully"
                            ? DependencyCondition::CompletedSuccessfully
                            : DependencyCondition::Started;
        const Node* required = d.value.find("required");
        dep.required = !required || flag(required);
        dep.restart = flag(d.value.find("restart"));
        s.depends_on.push_back(std::move(dep));
      }
      std::sort(s.depends_on.begin(), s.depends_on.end(),
                [](const Dependency& a, const Dependency& b) { return a.service < b.service; });
    }
    if (const Node* h = n.find("healthcheck")) {
      Healthcheck hc;
      hc.test =
          flag(h->find("disable")) ? std::vector<std::string>{"NONE"} : strings(h->find("test"));
      hc.interval_ns = duration(h->find("interval"), path + ".healthcheck.interval");
      hc.timeout_ns = duration(h->find("timeout"), path + ".healthcheck.timeout");
      hc.start_period_ns = duration(h->find("start_period"), path + ".healthcheck.start_period");
      hc.start_interval_ns =
          duration(h->find("start_interval"), path + ".healthcheck.start_interval");
      if (const Node* r = h->find("retries")) {
        hc.retries = small_int(r, path + ".healthcheck.retries", 0);
      }
      s.healthcheck = std::move(hc);
    }
    s.restart = restart_policy(n, path);
    s.container_name = text(n.find("container_name"));
    const Node* deploy = n.find("deploy");
    s.replicas = small_int(n.find("scale"), path + ".scale", 1);
    if (deploy && deploy->find("replicas")) {
      s.replicas = small_int(deploy->find("replicas"), path + ".deploy.replicas", 1);
    }
    s.profiles = strings(n.find("profiles"));
    if (const Node* networks = n.find("networks")) {
      for (const auto& e : networks->entries) {
        ServiceNetwork net;
        net.key = e.key;
        net.aliases = strings(e.value.find("aliases"));
        net.ipv4_address = text(e.value.find("ipv4_address"));
        net.ipv6_address = text(e.value.find("ipv6_address"));
        s.networks.push_back(std::move(net));
      }
      std::sort(s.networks.begin(), s.networks.end(),
                [](const ServiceNetwork& a, const ServiceNetwork& b) { return a.key < b.key; });
    }
    s.network_mode = text(n.find("network_mode"));
    if (deploy) {
      if (const Node* resources = deploy->find("resources")) {
        if (const Node* reservations = resources->find("reservations")) {
          devices(reservations->find("devices"), path + ".deploy.resources.reservations.devices",
                  false, s.devices);
        }
      }
    }
    devices(n.find("gpus"), path + ".gpus", true, s.devices);
    s.working_dir = text(n.find("working_dir"));
    s.user = text(n.find("user"));
    s.tty = flag(n.find("tty"));
    s.stdin_open = flag(n.find("stdin_open"));
    s.stop_signal = text(n.find("stop_signal"));
    s.stop_grace_period_ns = duration(n.find("stop_grace_period"), path + ".stop_grace_period");
    return s;
  }

  RestartPolicy restart_policy(const Node& n, const std::string& path) {
    RestartPolicy policy;
    std::string restart = text(n.find("restart"));
    if (!restart.empty()) {
      std::size_t colon = restart.find(':');
      policy.name = restart.substr(0, colon);
      if (colon != std::string::npos) {
        Node count = Node::plain(restart.substr(colon + 1));
        policy.max_retries = small_int(&count, path + ".restart", 0);
      }
    }
    // deploy.restart_policy replaces restart entirely, as in Compose: its condition names the
    // policy and its max_attempts the retry count (0 when absent).
    if (const Node* deploy = n.find("deploy")) {
      if (const Node* rp = deploy->find("restart_policy")) {
        std::string condition = text(rp->find("condition"));
        policy.name = condition == "none" || condition.empty() ? "no"
                      : condition == "any"                     ? "always"
                                                               : condition;
        policy.max_retries =
            small_int(rp->find("max_attempts"), path + ".deploy.restart_policy.max_attempts", 0);
      }
    }
    return policy;
  }

  void devices(const Node* list, const std::string& path, bool gpus,
               std::vector<DeviceRequest>& out) {
    if (!list || !list->is_sequence()) {
      return;
    }
    for (std::size_t i = 0; i < list->items.size(); ++i) {
      const Node& d = list->items[i];
      DeviceRequest r;
      r.driver = text(d.find("driver"));
      const Node* count = d.find("count");
      if (count && count->text == "all") {
        r.count = -1;
      } else if (count) {
        r.count = small_int(count, index_path(path, i) + ".count", 0);
      }
      r.device_ids = strings(d.find("device_ids"));
      r.capabilities = strings(d.find("capabilities"));
      if (gpus &&
          std::find(r.capabilities.begin(), r.capabilities.end(), "gpu") == r.capabilities.end()) {
        r.capabilities.push_back("gpu");
      }
      r.options = string_map(d.find("options"));
      out.push_back(std::move(r));
    }
  }

  NetworkSpec network(const std::string& key, const Node& n) {
    NetworkSpec s;
    s.key = key;
    s.name = text(n.find("name"));
    s.driver = text(n.find("driver"));
    s.external = flag(n.find("external"));
    s.internal = flag(n.find("internal"));
    s.attachable = flag(n.find("attachable"));
    s.labels = string_map(n.find("labels"));
    s.driver_opts = string_map(n.find("driver_opts"));
    return s;
  }

  NamedVolumeSpec volume(const std::string& key, const Node& n) {
    NamedVolumeSpec s;
    s.key = key;
    s.name = text(n.find("name"));
    s.driver = text(n.find("driver"));
    s.external = flag(n.find("external"));
    s.labels = string_map(n.find("labels"));
    s.driver_opts = string_map(n.find("driver_opts"));
    return s;
  }

  const LoadedProject& project_;
  std::optional<Error> error_;
};

} // namespace

const ServiceSpec* ProjectSpec::service(const std::string& service_name) const {
  auto it = std::find_if(services.begin(), services.end(),
                         [&](const ServiceSpec& s) { return s.name == service_name; });
  return it == services.end() ? nullptr : &*it;
}

Result<ProjectSpec> to_project_spec(const LoadedProject& project) {
  return SpecBuilder(project).build();
}

} // namespace aic::compose
