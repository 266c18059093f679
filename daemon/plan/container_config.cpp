#include "plan/container_config.hpp"

#include "compose/units.hpp"
#include "plan/container_config_reader.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <netinet/in.h>

// Compose behaviours chosen where docker compose v2 is loose or depends on the client machine:
// - environment: a key without a value (unset when the project was loaded) is left out; compose
//   sends a bare "KEY", which the engine drops anyway. No proxy variables from ~/.docker.
// - Env, ulimits and network endpoints come out sorted (compose iterates Go maps); mounts and
//   binds keep the order of `volumes`, then secrets, then configs.
// - links are not sent: on user-defined networks service names already resolve.
// - volumes_from keeps a `:ro`/`:rw` suffix that compose drops when it resolves a service.
// - Every network is listed whatever the API version; below 1.44 the engine client sends the
//   first and the caller connects the rest (compose's NetworkConnect after create).

namespace aic::plan {

using compose::Node;
using detail::ServiceReader;

namespace detail {

std::optional<Error> ServiceReader::error() const {
  if (!diags_.empty()) {
    return diags_.to_error();
  }
  return not_found_;
}

bool ServiceReader::flag(const Node* n, const std::string& path) {
  if (!n || n->is_null()) {
    return false;
  }
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE", "yes", "y", "on", "1"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE", "no", "n", "off", "0"};
  if (std::find(std::begin(kTrue), std::end(kTrue), n->text) != std::end(kTrue)) {
    return true;
  }
  if (std::find(std::begin(kFalse), std::end(kFalse), n->text) == std::end(kFalse)) {
    fail(*n, path, "must be a boolean, not \"" + n->text + "\"");
  }
  return false;
}

std::int64_t ServiceReader::integer(const Node* n, const std::string& path) {
  if (!n || n->is_null()) {
    return 0;
  }
  std::optional<long long> v = compose::parse_yaml_int(n->text);
  if (!v || !n->is_scalar()) {
    fail(*n, path, "must be an integer, not \"" + n->text + "\"");
    return 0;
  }
  return *v;
}

double ServiceReader::number(const Node* n, const std::string& path) {
  if (!n || n->is_null()) {
    return 0;
  }
  double v = 0;
  const char* end = n->text.data() + n->text.size();
  auto [ptr, ec] = std::from_chars(n->text.data(), end, v);
  if (!n->is_scalar() || ec != std::errc() || ptr != end || !std::isfinite(v)) {
    fail(*n, path, "must be a number, not \"" + n->text + "\"");
    return 0;
  }
  return v;
}

std::int64_t ServiceReader::bytes(const Node* n, const std::string& path) {
  if (!n || n->is_null()) {
    return 0;
  }
  Result<std::int64_t> v = compose::parse_byte_size(n->text);
  if (!v) {
    fail(*n, path, v.error().message());
    return 0;
  }
  return *v;
}

std::optional<std::int64_t> ServiceReader::duration(const Node* n, const std::string& path) {
  if (!n || n->is_null()) {
    return std::nullopt;
  }
  Result<std::int64_t> v = compose::parse_duration(n->text);
  if (!v) {
    fail(*n, path, v.error().message());
    return std::nullopt;
  }
  return *v;
}

std::vector<std::string> ServiceReader::strings(const Node* n) {
  std::vector<std::string> out;
  if (n && n->is_sequence()) {
    for (const auto& item : n->items) {
      out.push_back(item.text);
    }
  } else if (n && n->is_scalar() && !n->is_null()) {
    out.push_back(n->text);
  }
  return out;
}

std::map<std::string, std::string> ServiceReader::string_map(const Node* n) {
  std::map<std::string, std::string> out;
  if (n && n->is_mapping()) {
    for (const auto& e : n->entries) {
      out[e.key] = e.value.text;
    }
  } else if (n && n->is_sequence()) {
    for (const auto& item : n->items) {
      std::size_t eq = item.text.find('=');
      out[item.text.substr(0, eq)] = eq == std::string::npos ? "" : item.text.substr(eq + 1);
    }
  }
  return out;
}

std::string ServiceReader::container_of(const Node& at, const std::string& path,
                                        const std::string& service, std::string_view what) {
  auto it = ctx_.service_containers.find(service);
  if (it != ctx_.service_containers.end() && !it->second.empty()) {
    return it->second;
  }
  if (!not_found_) {
    not_found_ =
        Error(ErrorCode::NotFound,
              compose::Diagnostic::at(at.mark, path,
                                      "cannot share " + std::string(what) + " with service " +
                                          service + ": container missing")
                  .format());
  }
  return "";
}

std::string ServiceReader::namespace_mode(const Node* n, const std::string& path,
                                          std::string_view what) {
  constexpr std::string_view kService = "service:";
  const std::string mode = text(n);
  if (mode.rfind(kService, 0) != 0) {
    return mode;
  }
  std::string id = container_of(*n, path, mode.substr(kService.size()), what);
  return id.empty() ? std::string() : "container:" + id;
}

bool is_ip_address(const std::string& text) {
  in6_addr buffer{};
  return inet_pton(AF_INET, text.c_str(), &buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), &buffer) == 1;
}

} // namespace detail

namespace {

bool is_mac_address(std::string_view text) {
  // Go's net.ParseMAC for the 6-byte forms: 01:23:45:67:89:ab or 01-23-45-67-89-ab.
  if (text.size() != 17) {
    return false;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (i % 3 == 2) {
      if (ch != text[2] || (ch != ':' && ch != '-')) {
        return false;
      }
    } else if (!std::isxdigit(static_cast<unsigned char>(ch))) {
      return false;
    }
  }
  return true;
}

std::optional<int> port_number(std::string_view text) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value < 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> protocol_of(std::string proto) {
  std::transform(proto.begin(), proto.end(), proto.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (proto.empty()) {
    return "tcp";
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp") {
    return std::nullopt;
  }
  return proto;
}

void command_and_environment(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  for (auto [key, field] : {std::pair{"command", &c.cmd}, std::pair{"entrypoint", &c.entrypoint}}) {
    if (const Node* n = svc.find(key); n && !n->is_null()) {
      *field = ServiceReader::strings(n);
    }
  }
  std::map<std::string, std::string> env;
  if (const Node* n = svc.find("environment"); n && n->is_mapping()) {
    for (const auto& e : n->entries) {
      if (!e.value.is_null()) {
        env[e.key] = e.value.text;
      }
    }
  }
  for (const auto& [key, value] : env) {
    c.env.push_back(key + "=" + value);
  }
  c.labels = ServiceReader::string_map(svc.find("labels"));
}

void ports(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  if (const Node* list = svc.find("ports"); list && list->is_sequence()) {
    for (std::size_t i = 0; i < list->items.size(); ++i) {
      const Node& p = list->items[i];
      const std::string path = compose::index_path(r.path("ports"), i);
      const std::string target = ServiceReader::text(p.find("target"));
      std::optional<std::string> proto = protocol_of(ServiceReader::text(p.find("protocol")));
      const std::string host_ip = ServiceReader::text(p.find("host_ip"));
      if (!port_number(target)) {
        r.fail(p, path + ".target", "invalid port \"" + target + "\"");
      } else if (!proto) {
        r.fail(p, path + ".protocol",
               "invalid protocol \"" + ServiceReader::text(p.find("protocol")) + "\"");
      } else if (!host_ip.empty() && !detail::is_ip_address(host_ip)) {
        r.fail(p, path + ".host_ip", "invalid IP address \"" + host_ip + "\"");
      } else {
        c.port_bindings.push_back(
            {target + "/" + *proto, host_ip, ServiceReader::text(p.find("published"))});
      }
    }
  }
  // expose: "port[-end][/proto]", a range exposes every port in it.
  const std::vector<std::string> expose = ServiceReader::strings(svc.find("expose"));
  for (std::size_t i = 0; i < expose.size(); ++i) {
    const std::string& e = expose[i];
    std::size_t slash = e.find('/');
    std::string_view range = std::string_view(e).substr(0, slash);
    std::size_t dash = range.find('-');
    std::optional<int> first = port_number(range.substr(0, dash));
    std::optional<int> last =
        dash == std::string_view::npos ? first : port_number(range.substr(dash + 1));
    std::optional<std::string> proto =
        protocol_of(slash == std::string::npos ? std::string() : e.substr(slash + 1));
    if (!first || !last || *last < *first || !proto) {
      r.fail(ServiceReader::item(*svc.find("expose"), i), compose::index_path(r.path("expose"), i),
             "invalid port \"" + e + "\"");
      continue;
    }
    for (int port = *first; port <= *last; ++port) {
      std::string exposed = std::to_string(port) + "/" + *proto;
      if (std::find(c.exposed_ports.begin(), c.exposed_ports.end(), exposed) ==
          c.exposed_ports.end()) {
        c.exposed_ports.push_back(std::move(exposed));
      }
    }
  }
}

std::string network_name(ServiceReader& r, const compose::MapEntry& entry) {
  const auto& names = r.ctx().network_names;
  if (auto it = names.find(entry.key); it != names.end()) {
    return it->second;
  }
  const Node* top = r.model().find("networks");
  const Node* net = top ? top->find(entry.key) : nullptr;
  std::string name = ServiceReader::text(net ? net->find("name") : nullptr);
  if (name.empty()) {
    r.fail(entry.value, r.path("networks." + entry.key),
           "refers to undefined network \"" + entry.key + "\"");
  }
  return name;
}

engine::NetworkEndpoint endpoint(ServiceReader& r, const compose::MapEntry& entry) {
  engine::NetworkEndpoint ep;
  const std::string path = r.path("networks." + entry.key);
  if (!r.ctx().container_name.empty()) {
    ep.aliases.push_back(r.ctx().container_name);
  }
  ep.aliases.push_back(r.name());
  const Node& cfg = entry.value;
  if (!cfg.is_mapping()) {
    return ep;
  }
  for (auto& alias : ServiceReader::strings(cfg.find("aliases"))) {
    ep.aliases.push_back(std::move(alias));
  }
  for (auto [key, field] :
       {std::pair{"ipv4_address", &ep.ipv4_address}, std::pair{"ipv6_address", &ep.ipv6_address}}) {
    const Node* n = cfg.find(key);
    *field = ServiceReader::text(n);
    if (!field->empty() && !detail::is_ip_address(*field)) {
      r.fail(*n, path + "." + key, "invalid IP address \"" + *field + "\"");
    }
  }
  if (const Node* mac = cfg.find("mac_address"); mac && !mac->text.empty()) {
    ep.mac_address = mac->text;
    if (!is_mac_address(mac->text)) {
      r.fail(*mac, path + ".mac_address", "invalid MAC address \"" + mac->text + "\"");
    }
  }
  ep.driver_opts = ServiceReader::string_map(cfg.find("driver_opts"));
  if (const Node* ifname = cfg.find("interface_name"); ifname && !ifname->text.empty()) {
    if (r.ctx().api_minor < 49) {
      r.fail(*ifname, path + ".interface_name",
             "interface_name requires Docker Engine 28.1 or later (API 1.49)");
    }
    ep.driver_opts["com.docker.network.endpoint.ifname"] = ifname->text;
  }
  return ep;
}

void networks(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  if (const Node* mac = svc.find("mac_address"); mac && !mac->text.empty()) {
    c.mac_address = mac->text;
    if (!is_mac_address(mac->text)) {
      r.fail(*mac, r.path("mac_address"), "invalid MAC address \"" + mac->text + "\"");
    }
  }
  if (const Node* mode = svc.find("network_mode"); mode && !mode->text.empty()) {
    c.network_mode = r.namespace_mode(mode, r.path("network_mode"), "network namespace");
    return;
  }
  const Node* list = svc.find("networks");
  if (!list || !list->is_mapping() || list->entries.empty()) {
    c.network_mode = "none";
    return;
  }
  // NetworksByPriority: highest priority first, then by key.
  std::vector<std::pair<std::int64_t, const compose::MapEntry*>> order;
  for (const auto& e : list->entries) {
    const Node* priority = e.value.is_mapping() ? e.value.find("priority") : nullptr;
    order.emplace_back(r.integer(priority, r.path("networks." + e.key + ".priority")), &e);
  }
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second->key < b.second->key;
  });
  for (const auto& [priority, entry] : order) {
    c.networks.push_back({network_name(r, *entry), endpoint(r, *entry)});
  }
  const std::string& primary_mac = c.networks.front().endpoint.mac_address;
  if (!c.mac_address.empty() && !primary_mac.empty() && primary_mac != c.mac_address) {
    r.fail(*svc.find("mac_address"), r.path("mac_address"),
           "the service-level mac_address should have the same value as network " +
               order.front().second->key);
  }
  c.network_mode = c.networks.front().name;
}

std::string restart_name(const std::string& condition) {
  if (condition == "none" || condition == "no") {
    return "no";
  }
  if (condition == "any" || condition == "always") {
    return "always";
  }
  return condition; // on-failure, unless-stopped
}

void restart_policy(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  if (std::string restart = ServiceReader::text(svc.find("restart")); !restart.empty()) {
    std::size_t colon = restart.find(':');
    int attempts = 0;
    if (colon != std::string::npos) {
      std::string_view n = std::string_view(restart).substr(colon + 1);
      std::from_chars(n.data(), n.data() + n.size(), attempts); // Atoi: 0 when malformed
    }
    c.restart_policy = {restart_name(restart.substr(0, colon)), attempts};
  }
  const Node* deploy = svc.find("deploy");
  if (const Node* policy = deploy ? deploy->find("restart_policy") : nullptr;
      policy && policy->is_mapping()) {
    const std::string path = r.path("deploy.restart_policy");
    std::int64_t attempts = r.integer(policy->find("max_attempts"), path + ".max_attempts");
    if (attempts < 0 || attempts > std::numeric_limits<int>::max()) {
      r.fail(*policy->find("max_attempts"), path + ".max_attempts",
             "out of range: " + std::to_string(attempts));
      attempts = 0;
    }
    c.restart_policy = {restart_name(ServiceReader::text(policy->find("condition"))),
                        static_cast<int>(attempts)};
  }
}

void healthcheck(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* hc = r.service().find("healthcheck");
  if (!hc || !hc->is_mapping()) {
    return;
  }
  const std::string path = r.path("healthcheck");
  engine::HealthConfig h;
  h.test = ServiceReader::strings(hc->find("test"));
  if (r.flag(hc->find("disable"), path + ".disable")) {
    h.test = {"NONE"};
  }
  for (auto [key, field] :
       {std::pair{"interval", &h.interval_ns}, std::pair{"timeout", &h.timeout_ns},
        std::pair{"start_period", &h.start_period_ns},
        std::pair{"start_interval", &h.start_interval_ns}}) {
    *field = r.duration(hc->find(key), path + "." + key).value_or(0);
  }
  if (const Node* start_interval = hc->find("start_interval");
      start_interval && !start_interval->is_null() && !hc->find("start_period")) {
    // moby/moby#48874: the engine ignores start_interval without start_period.
    r.fail(*start_interval, path + ".start_interval",
           "healthcheck.start_interval requires healthcheck.start_period to be set");
  }
  std::int64_t retries = r.integer(hc->find("retries"), path + ".retries");
  if (retries < 0 || retries > std::numeric_limits<int>::max()) {
    r.fail(*hc->find("retries"), path + ".retries", "out of range: " + std::to_string(retries));
    retries = 0;
  }
  h.retries = static_cast<int>(retries);
  c.healthcheck = std::move(h);
}

void security_options(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* list = r.service().find("security_opt");
  const std::vector<std::string> opts = ServiceReader::strings(list);
  for (std::size_t i = 0; i < opts.size(); ++i) {
    const std::string& opt = opts[i];
    // docker/cli parseSecurityOpts: "key=value", "key:value" (legacy) or no-new-privileges.
    if (opt.find('=') == std::string::npos && opt != "no-new-privileges" &&
        opt.find(':') == std::string::npos) {
      r.fail(ServiceReader::item(*list, i), compose::index_path(r.path("security_opt"), i),
             "invalid security-opt: \"" + opt + "\"");
      continue;
    }
    c.security_opt.push_back(opt);
  }
}

void process_settings(ServiceReader& r, engine::ContainerCreate& c) {
  const Node& svc = r.service();
  auto text = [&](const char* key) { return ServiceReader::text(svc.find(key)); };
  auto flag = [&](const char* key) { return r.flag(svc.find(key), r.path(key)); };
  c.user = text("user");
  c.working_dir = text("working_dir");
  c.hostname = text("hostname");
  c.domainname = text("domainname");
  c.stop_signal = text("stop_signal");
  c.runtime = text("runtime");
  c.cgroup_parent = text("cgroup_parent");
  c.userns_mode = text("userns_mode");
  c.tty = flag("tty");
  c.open_stdin = flag("stdin_open");
  c.attach_stdout = true; // as compose sets them for every service container
  c.attach_stderr = true;
  c.privileged = flag("privileged");
  c.read_only = flag("read_only");
  if (const Node* init = svc.find("init"); init && !init->is_null()) {
    c.init = flag("init");
  }
  if (auto grace = r.duration(svc.find("stop_grace_period"), r.path("stop_grace_period"))) {
    c.stop_timeout_s = static_cast<int>(*grace / 1'000'000'000);
  }
  c.ipc_mode = r.namespace_mode(svc.find("ipc"), r.path("ipc"), "IPC namespace");
  c.pid_mode = r.namespace_mode(svc.find("pid"), r.path("pid"), "PID namespace");
  c.shm_size_bytes = r.bytes(svc.find("shm_size"), r.path("shm_size"));
  c.sysctls = ServiceReader::string_map(svc.find("sysctls"));
  c.cap_add = ServiceReader::strings(svc.find("cap_add"));
  c.cap_drop = ServiceReader::strings(svc.find("cap_drop"));
  c.group_add = ServiceReader::strings(svc.find("group_add"));
  c.dns_search = ServiceReader::strings(svc.find("dns_search"));
  c.dns_options = ServiceReader::strings(svc.find("dns_opt"));
  c.dns = ServiceReader::strings(svc.find("dns"));
  for (std::size_t i = 0; i < c.dns.size(); ++i) {
    if (!detail::is_ip_address(c.dns[i])) {
      const Node* dns = svc.find("dns");
      r.fail(ServiceReader::item(*dns, i), compose::index_path(r.path("dns"), i),
             "invalid DNS address \"" + c.dns[i] + "\"");
    }
  }
  // The model keeps extra_hosts as "host=ip" (docker compose config); the engine takes "host:ip".
  for (std::string host : ServiceReader::strings(svc.find("extra_hosts"))) {
    if (std::size_t eq = host.find('='); eq != std::string::npos) {
      host[eq] = ':';
    }
    c.extra_hosts.push_back(std::move(host));
  }
  std::int64_t oom = r.integer(svc.find("oom_score_adj"), r.path("oom_score_adj"));
  if (oom < -1000 || oom > 1000) {
    r.fail(*svc.find("oom_score_adj"), r.path("oom_score_adj"),
           "must be between -1000 and 1000, not " + std::to_string(oom));
  } else {
    c.oom_score_adj = static_cast<int>(oom);
  }
  if (const Node* logging = svc.find("logging"); logging && logging->is_mapping()) {
    c.log_config.type = ServiceReader::text(logging->find("driver"));
    c.log_config.config = ServiceReader::string_map(logging->find("options"));
  }
  security_options(r, c);
}

} // namespace

Result<engine::ContainerCreate> container_create(const compose::Node& model,
                                                 std::string_view service_name,
                                                 const ContainerContext& ctx) {
  const Node* services = model.find("services");
  const Node* svc = services ? services->find(service_name) : nullptr;
  if (!svc || !svc->is_mapping()) {
    return unexpected(Error(ErrorCode::NotFound, "no such service: " + std::string(service_name)));
  }
  ServiceReader r(model, *svc, service_name, ctx);
  engine::ContainerCreate c;
  c.name = ctx.container_name;
  c.platform = ServiceReader::text(svc->find("platform"));
  c.image = ServiceReader::text(svc->find("image"));
  if (c.image.empty()) {
    const std::string project =
        ctx.project.empty() ? ServiceReader::text(model.find("name")) : ctx.project;
    c.image = project + "-" + std::string(service_name);
  }
  command_and_environment(r, c);
  ports(r, c);
  networks(r, c);
  restart_policy(r, c);
  healthcheck(r, c);
  process_settings(r, c);
  detail::apply_storage(r, c);
  detail::apply_resources(r, c);
  if (std::optional<Error> error = r.error()) {
    return unexpected(
        std::move(*error).with_context("configuring service " + std::string(service_name)));
  }
  return c;
}

} // namespace aic::plan
