#include "plan/container_config_reader.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

// Resources as compose's getDeployResources builds them: the flat service keys first, then
// deploy.resources.limits (cpus, memory, pids) and reservations (memory, devices) over them.
// Device requests come in compose's order: reservations, then CDI names from `devices`, then
// `gpus`. CPU reservations are Swarm-only and ignored, as compose does.

namespace aic::plan::detail {
namespace {

using compose::Node;

bool is_alnum(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) != 0;
}

bool is_alpha(char ch) {
  return std::isalpha(static_cast<unsigned char>(ch)) != 0;
}

// A CDI name part: starts with a letter (or alnum for device names), ends alnum, and contains
// only alnum and `extra`.
bool valid_cdi_part(std::string_view s, std::string_view extra, bool letter_first) {
  if (s.empty() || !(letter_first ? is_alpha(s.front()) : is_alnum(s.front())) ||
      !is_alnum(s.back())) {
    return false;
  }
  for (char ch : s) {
    if (!is_alnum(ch) && extra.find(ch) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// CDI's IsQualifiedName: "vendor.com/class=name".
bool is_cdi_name(std::string_view device) {
  std::size_t eq = device.find('=');
  std::size_t slash = device.substr(0, eq).find('/');
  if (device.empty() || device.front() == '/' || eq == std::string_view::npos ||
      slash == std::string_view::npos) {
    return false;
  }
  return valid_cdi_part(device.substr(0, slash), ".-_", true) &&
         valid_cdi_part(device.substr(slash + 1, eq - slash - 1), "-_", true) &&
         valid_cdi_part(device.substr(eq + 1), "-_.:", false);
}

int to_int(ServiceReader& r, const Node& at, const std::string& path, std::int64_t v) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) {
    r.fail(at, path, "out of range: " + std::to_string(v));
    return 0;
  }
  return static_cast<int>(v);
}

engine::DeviceRequest device_request(ServiceReader& r, const Node& d, const std::string& path) {
  engine::DeviceRequest req;
  req.driver = ServiceReader::text(d.find("driver"));
  if (const Node* count = d.find("count")) {
    req.count = count->text == "all"
                    ? -1
                    : to_int(r, *count, path + ".count", r.integer(count, path + ".count"));
  }
  req.device_ids = ServiceReader::strings(d.find("device_ids"));
  if (!d.find("count") && !d.find("device_ids")) {
    req.count = -1; // compose-go's default: all devices
  }
  req.capabilities.push_back(ServiceReader::strings(d.find("capabilities")));
  req.options = ServiceReader::string_map(d.find("options"));
  return req;
}

void flat_limits(ServiceReader& r, engine::Resources& res) {
  const Node& svc = r.service();
  auto integer = [&](const char* key) { return r.integer(svc.find(key), r.path(key)); };
  auto bytes = [&](const char* key) { return r.bytes(svc.find(key), r.path(key)); };
  res.nano_cpus = static_cast<std::int64_t>(r.number(svc.find("cpus"), r.path("cpus")) * 1e9);
  res.cpu_shares = integer("cpu_shares");
  res.cpu_quota = integer("cpu_quota");
  res.cpu_period = integer("cpu_period");
  res.cpuset_cpus = ServiceReader::text(svc.find("cpuset"));
  res.memory_bytes = bytes("mem_limit");
  res.memory_reservation_bytes = bytes("mem_reservation");
  res.memory_swap_bytes = bytes("memswap_limit");
  res.pids_limit = integer("pids_limit");
  res.oom_kill_disable = r.flag(svc.find("oom_kill_disable"), r.path("oom_kill_disable"));
  if (const Node* blkio = svc.find("blkio_config"); blkio && blkio->is_mapping()) {
    const std::string path = r.path("blkio_config.weight");
    if (const Node* weight = blkio->find("weight")) {
      res.blkio_weight = to_int(r, *weight, path, r.integer(weight, path));
    }
  }
}

void deploy_resources(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* deploy = r.service().find("deploy");
  const Node* resources = deploy ? deploy->find("resources") : nullptr;
  if (!resources || !resources->is_mapping()) {
    return;
  }
  const std::string path = r.path("deploy.resources");
  if (const Node* limits = resources->find("limits"); limits && limits->is_mapping()) {
    const std::string lp = path + ".limits";
    if (std::int64_t memory = r.bytes(limits->find("memory"), lp + ".memory"); memory != 0) {
      c.resources.memory_bytes = memory;
    }
    if (double cpus = r.number(limits->find("cpus"), lp + ".cpus"); cpus != 0) {
      c.resources.nano_cpus = static_cast<std::int64_t>(cpus * 1e9);
    }
    if (std::int64_t pids = r.integer(limits->find("pids"), lp + ".pids"); pids > 0) {
      c.resources.pids_limit = pids;
    }
  }
  if (const Node* reservations = resources->find("reservations");
      reservations && reservations->is_mapping()) {
    const std::string rp = path + ".reservations";
    if (std::int64_t memory = r.bytes(reservations->find("memory"), rp + ".memory"); memory != 0) {
      c.resources.memory_reservation_bytes = memory;
    }
    if (const Node* devices = reservations->find("devices"); devices && devices->is_sequence()) {
      for (std::size_t i = 0; i < devices->items.size(); ++i) {
        c.device_requests.push_back(
            device_request(r, devices->items[i], compose::index_path(rp + ".devices", i)));
      }
    }
  }
}

// `devices`: "host[:container[:perms]]" or {source, target, permissions}; a CDI name whose
// source and target agree becomes part of one DeviceRequest with driver "cdi".
void devices(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* list = r.service().find("devices");
  if (!list || !list->is_sequence()) {
    return;
  }
  std::vector<std::string> cdi;
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    const Node& d = list->items[i];
    engine::DeviceMapping m{.cgroup_permissions = "rwm"};
    if (d.is_mapping()) {
      m.path_on_host = ServiceReader::text(d.find("source"));
      m.path_in_container = ServiceReader::text(d.find("target"));
      if (const Node* perms = d.find("permissions")) {
        m.cgroup_permissions = perms->text;
      }
    } else {
      std::vector<std::string> parts;
      std::size_t start = 0;
      for (std::size_t colon; (colon = d.text.find(':', start)) != std::string::npos;
           start = colon + 1) {
        parts.push_back(d.text.substr(start, colon - start));
      }
      parts.push_back(d.text.substr(start));
      if (parts.size() > 3) {
        r.fail(d, compose::index_path(r.path("devices"), i),
               "confusing device mapping, please use long syntax: " + d.text);
        continue;
      }
      m.path_on_host = parts[0];
      m.path_in_container = parts.size() > 1 ? parts[1] : "";
      m.cgroup_permissions = parts.size() > 2 ? parts[2] : "rwm";
    }
    if (m.path_in_container.empty()) {
      m.path_in_container = m.path_on_host;
    }
    if (m.path_on_host == m.path_in_container && is_cdi_name(m.path_on_host)) {
      cdi.push_back(m.path_on_host);
      continue;
    }
    c.devices.push_back(std::move(m));
  }
  if (!cdi.empty()) {
    c.device_requests.push_back({.driver = "cdi", .device_ids = std::move(cdi)});
  }
}

void gpus(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* list = r.service().find("gpus");
  if (!list || !list->is_sequence()) {
    return;
  }
  for (std::size_t i = 0; i < list->items.size(); ++i) {
    engine::DeviceRequest req =
        device_request(r, list->items[i], compose::index_path(r.path("gpus"), i));
    req.capabilities.front().push_back("gpu");
    c.device_requests.push_back(std::move(req));
  }
}

void ulimits(ServiceReader& r, engine::ContainerCreate& c) {
  const Node* map = r.service().find("ulimits");
  if (!map || !map->is_mapping()) {
    return;
  }
  for (const auto& e : map->entries) {
    const std::string path = r.path("ulimits." + e.key);
    engine::Ulimit u{.name = e.key};
    if (e.value.is_mapping()) {
      u.soft = r.integer(e.value.find("soft"), path + ".soft");
      u.hard = r.integer(e.value.find("hard"), path + ".hard");
    } else {
      u.soft = u.hard = r.integer(&e.value, path);
    }
    c.ulimits.push_back(std::move(u));
  }
  std::sort(c.ulimits.begin(), c.ulimits.end(),
            [](const engine::Ulimit& a, const engine::Ulimit& b) { return a.name < b.name; });
}

} // namespace

void apply_resources(ServiceReader& r, engine::ContainerCreate& c) {
  flat_limits(r, c.resources);
  deploy_resources(r, c);
  devices(r, c);
  gpus(r, c);
  ulimits(r, c);
}

} // namespace aic::plan::detail
