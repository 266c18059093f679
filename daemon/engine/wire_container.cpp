#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

#include <algorithm>

namespace aic::engine {
namespace {

using wire::Json;
using wire::Node;

constexpr ApiVersion kApi144{1, 44};

void put_string(Json& out, const char* key, const std::string& value) {
  if (!value.empty()) {
    out[key] = value;
  }
}

void put_strings(Json& out, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) {
    out[key] = values;
  }
}

void put_map(Json& out, const char* key, const std::map<std::string, std::string>& values) {
  if (!values.empty()) {
    out[key] = values;
  }
}

void put_true(Json& out, const char* key, bool value) {
  if (value) {
    out[key] = true;
  }
}

void put_nonzero(Json& out, const char* key, std::int64_t value) {
  if (value != 0) {
    out[key] = value;
  }
}

Json encode_mount(const MountConfig& mount) {
  Json out = Json::object();
  out["Type"] = mount.type;
  put_string(out, "Source", mount.source);
  out["Target"] = mount.target;
  put_true(out, "ReadOnly", mount.read_only);
  if (mount.type == "volume" && (mount.volume_no_copy || !mount.volume_labels.empty())) {
    Json options = Json::object();
    put_true(options, "NoCopy", mount.volume_no_copy);
    put_map(options, "Labels", mount.volume_labels);
    out["VolumeOptions"] = std::move(options);
  }
  if (mount.type == "tmpfs" && (mount.tmpfs_size_bytes != 0 || mount.tmpfs_mode != 0)) {
    Json options = Json::object();
    put_nonzero(options, "SizeBytes", mount.tmpfs_size_bytes);
    put_nonzero(options, "Mode", mount.tmpfs_mode);
    out["TmpfsOptions"] = std::move(options);
  }
  return out;
}

Json encode_device_request(const DeviceRequest& request) {
  Json out = Json::object();
  put_string(out, "Driver", request.driver);
  out["Count"] = request.count;
  put_strings(out, "DeviceIDs", request.device_ids);
  if (!request.capabilities.empty()) {
    out["Capabilities"] = request.capabilities;
  }
  put_map(out, "Options", request.options);
  return out;
}

void put_resources(Json& host, const Resources& resources) {
  put_nonzero(host, "NanoCpus", resources.nano_cpus);
  put_nonzero(host, "CpuShares", resources.cpu_shares);
  put_nonzero(host, "CpuQuota", resources.cpu_quota);
  put_nonzero(host, "CpuPeriod", resources.cpu_period);
  put_string(host, "CpusetCpus", resources.cpuset_cpus);
  put_nonzero(host, "Memory", resources.memory_bytes);
  put_nonzero(host, "MemoryReservation", resources.memory_reservation_bytes);
  put_nonzero(host, "MemorySwap", resources.memory_swap_bytes);
  put_nonzero(host, "PidsLimit", resources.pids_limit);
  put_true(host, "OomKillDisable", resources.oom_kill_disable);
  put_nonzero(host, "BlkioWeight", resources.blkio_weight);
}

Json encode_host_config(const ContainerCreate& c) {
  Json host = Json::object();
  put_strings(host, "Binds", c.binds);
  if (!c.log_config.type.empty() || !c.log_config.config.empty()) {
    Json log = Json::object();
    put_string(log, "Type", c.log_config.type);
    put_map(log, "Config", c.log_config.config);
    host["LogConfig"] = std::move(log);
  }
  put_string(host, "NetworkMode", c.network_mode);
  if (!c.port_bindings.empty()) {
    Json bindings = Json::object();
    for (const PortBinding& binding : c.port_bindings) {
      Json& list = bindings[wire::normalize_port(binding.container_port)];
      list.push_back({{"HostIp", binding.host_ip}, {"HostPort", binding.host_port}});
    }
    host["PortBindings"] = std::move(bindings);
  }
  if (!c.restart_policy.name.empty()) {
    Json policy = {{"Name", c.restart_policy.name}};
    put_nonzero(policy, "MaximumRetryCount", c.restart_policy.maximum_retry_count);
    host["RestartPolicy"] = std::move(policy);
  }
  put_strings(host, "VolumesFrom", c.volumes_from);
  if (!c.mounts.empty()) {
    Json mounts = Json::array();
    for (const MountConfig& mount : c.mounts) {
      mounts.push_back(encode_mount(mount));
    }
    host["Mounts"] = std::move(mounts);
  }
  put_strings(host, "CapAdd", c.cap_add);
  put_strings(host, "CapDrop", c.cap_drop);
  put_strings(host, "Dns", c.dns);
  put_strings(host, "DnsOptions", c.dns_options);
  put_strings(host, "DnsSearch", c.dns_search);
  put_strings(host, "ExtraHosts", c.extra_hosts);
  put_strings(host, "GroupAdd", c.group_add);
  put_string(host, "IpcMode", c.ipc_mode);
  put_strings(host, "Links", c.links);
  put_nonzero(host, "OomScoreAdj", c.oom_score_adj);
  put_string(host, "PidMode", c.pid_mode);
  put_true(host, "Privileged", c.privileged);
  put_true(host, "AutoRemove", c.auto_remove);
  put_true(host, "ReadonlyRootfs", c.read_only);
  put_strings(host, "SecurityOpt", c.security_opt);
  put_map(host, "Tmpfs", c.tmpfs);
  put_string(host, "UsernsMode", c.userns_mode);
  put_nonzero(host, "ShmSize", c.shm_size_bytes);
  put_map(host, "Sysctls", c.sysctls);
  put_string(host, "Runtime", c.runtime);
  put_string(host, "CgroupParent", c.cgroup_parent);
  if (c.init.has_value()) {
    host["Init"] = *c.init;
  }
  put_resources(host, c.resources);
  if (!c.devices.empty()) {
    Json devices = Json::array();
    for (const DeviceMapping& device : c.devices) {
      devices.push_back({{"PathOnHost", device.path_on_host},
                         {"PathInContainer", device.path_in_container},
                         {"CgroupPermissions", device.cgroup_permissions}});
    }
    host["Devices"] = std::move(devices);
  }
  if (!c.device_requests.empty()) {
    Json requests = Json::array();
    for (const DeviceRequest& request : c.device_requests) {
      requests.push_back(encode_device_request(request));
    }
    host["DeviceRequests"] = std::move(requests);
  }
  if (!c.ulimits.empty()) {
    Json ulimits = Json::array();
    for (const Ulimit& ulimit : c.ulimits) {
      ulimits.push_back({{"Name", ulimit.name}, {"Soft", ulimit.soft}, {"Hard", ulimit.hard}});
    }
    host["Ulimits"] = std::move(ulimits);
  }
  return host;
}

// Below 1.44 the engine takes one endpoint at create and reads the MAC address from Config; from
// 1.44 it takes every endpoint and reads MAC addresses per endpoint.
Json encode_networking_config(const ContainerCreate& c, ApiVersion version) {
  const bool per_endpoint_mac = version >= kApi144;
  Json endpoints = Json::object();
  for (std::size_t i = 0; i < c.networks.size(); ++i) {
    NetworkEndpoint endpoint = c.networks[i].endpoint;
    if (!per_endpoint_mac) {
      endpoint.mac_address.clear();
    } else if (i == 0 && endpoint.mac_address.empty()) {
      endpoint.mac_address = c.mac_address;
    }
    endpoints[c.networks[i].name] = wire::encode_endpoint(endpoint);
    if (!per_endpoint_mac) {
      break;
    }
  }
  return {{"EndpointsConfig", std::move(endpoints)}};
}

std::string config_mac_address(const ContainerCreate& c, ApiVersion version) {
  if (version >= kApi144) {
    // Engines from 25 still honour the deprecated field when no endpoint is given.
    return c.networks.empty() ? c.mac_address : std::string();
  }
  if (!c.mac_address.empty() || c.networks.empty()) {
    return c.mac_address;
  }
  return c.networks.front().endpoint.mac_address;
}

// --- decoding ---

void read_port_bindings(const Node& ports, std::vector<PortBinding>& out) {
  ports.for_each_member([&](const std::string& port, const Node& bindings) {
    bindings.read_list(out, [&](const Node& item, PortBinding& binding) {
      binding.container_port = port;
      item["HostIp"].read(binding.host_ip);
      item["HostPort"].read(binding.host_port);
    });
  });
}

void read_mount_config(const Node& item, MountConfig& mount) {
  item["Type"].read(mount.type);
  item["Source"].read(mount.source);
  item["Target"].read(mount.target);
  item["ReadOnly"].read(mount.read_only);
  item["VolumeOptions"]["NoCopy"].read(mount.volume_no_copy);
  item["VolumeOptions"]["Labels"].read(mount.volume_labels);
  item["TmpfsOptions"]["SizeBytes"].read(mount.tmpfs_size_bytes);
  item["TmpfsOptions"]["Mode"].read(mount.tmpfs_mode);
}

void read_device_request(const Node& item, DeviceRequest& request) {
  item["Driver"].read(request.driver);
  item["Count"].read(request.count);
  item["DeviceIDs"].read(request.device_ids);
  item["Capabilities"].read(request.capabilities);
  item["Options"].read(request.options);
}

void read_host_config(const Node& host, ContainerCreate& c) {
  host["Binds"].read(c.binds);
  host["LogConfig"]["Type"].read(c.log_config.type);
  host["LogConfig"]["Config"].read(c.log_config.config);
  host["NetworkMode"].read(c.network_mode);
  read_port_bindings(host["PortBindings"], c.port_bindings);
  host["RestartPolicy"]["Name"].read(c.restart_policy.name);
  host["RestartPolicy"]["MaximumRetryCount"].read(c.restart_policy.maximum_retry_count);
  host["VolumesFrom"].read(c.volumes_from);
  host["Mounts"].read_list(c.mounts, read_mount_config);
  host["CapAdd"].read(c.cap_add);
  host["CapDrop"].read(c.cap_drop);
  host["Dns"].read(c.dns);
  host["DnsOptions"].read(c.dns_options);
  host["DnsSearch"].read(c.dns_search);
  host["ExtraHosts"].read(c.extra_hosts);
  host["GroupAdd"].read(c.group_add);
  host["IpcMode"].read(c.ipc_mode);
  host["Links"].read(c.links);
  host["OomScoreAdj"].read(c.oom_score_adj);
  host["PidMode"].read(c.pid_mode);
  host["Privileged"].read(c.privileged);
  host["AutoRemove"].read(c.auto_remove);
  host["ReadonlyRootfs"].read(c.read_only);
  host["SecurityOpt"].read(c.security_opt);
  host["Tmpfs"].read(c.tmpfs);
  host["UsernsMode"].read(c.userns_mode);
  host["ShmSize"].read(c.shm_size_bytes);
  host["Sysctls"].read(c.sysctls);
  host["Runtime"].read(c.runtime);
  host["CgroupParent"].read(c.cgroup_parent);
  host["Init"].read(c.init);
  Resources& r = c.resources;
  host["NanoCpus"].read(r.nano_cpus);
  host["CpuShares"].read(r.cpu_shares);
  host["CpuQuota"].read(r.cpu_quota);
  host["CpuPeriod"].read(r.cpu_period);
  host["CpusetCpus"].read(r.cpuset_cpus);
  host["Memory"].read(r.memory_bytes);
  host["MemoryReservation"].read(r.memory_reservation_bytes);
  host["MemorySwap"].read(r.memory_swap_bytes);
  host["PidsLimit"].read(r.pids_limit);
  host["OomKillDisable"].read(r.oom_kill_disable);
  host["BlkioWeight"].read(r.blkio_weight);
  host["Devices"].read_list(c.devices, [](const Node& item, DeviceMapping& device) {
    item["PathOnHost"].read(device.path_on_host);
    item["PathInContainer"].read(device.path_in_container);
    item["CgroupPermissions"].read(device.cgroup_permissions);
  });
  host["DeviceRequests"].read_list(c.device_requests, read_device_request);
  host["Ulimits"].read_list(c.ulimits, [](const Node& item, Ulimit& ulimit) {
    item["Name"].read(ulimit.name);
    item["Soft"].read(ulimit.soft);
    item["Hard"].read(ulimit.hard);
  });
}

void read_config(const Node& config, ContainerCreate& c) {
  config["Hostname"].read(c.hostname);
  config["Domainname"].read(c.domainname);
  config["User"].read(c.user);
  config["AttachStdin"].read(c.attach_stdin);
  config["AttachStdout"].read(c.attach_stdout);
  config["AttachStderr"].read(c.attach_stderr);
  config["ExposedPorts"].read_keys(c.exposed_ports);
  config["Tty"].read(c.tty);
  config["OpenStdin"].read(c.open_stdin);
  config["StdinOnce"].read(c.stdin_once);
  config["Env"].read(c.env);
  config["Cmd"].read(c.cmd);
  wire::read_health_config(config["Healthcheck"], c.healthcheck);
  config["Image"].read(c.image);
  config["WorkingDir"].read(c.working_dir);
  config["Entrypoint"].read(c.entrypoint);
  config["MacAddress"].read(c.mac_address);
  config["Labels"].read(c.labels);
  config["StopSignal"].read(c.stop_signal);
  config["StopTimeout"].read(c.stop_timeout_s);
}

// The configured side of each endpoint goes into config.networks, the operational side into
// network_ips. Engines before 25 add the short container id as an alias of every endpoint.
void read_networks(const Node& networks, const std::string& container_id, ContainerInspect& out) {
  const std::string short_id = container_id.substr(0, 12);
  networks.for_each_member([&](const std::string& name, const Node& settings) {
    if (settings.present() && !settings.expect_object()) {
      return;
    }
    ContainerNetwork network{name, {}};
    NetworkEndpoint& endpoint = network.endpoint;
    settings["Aliases"].read(endpoint.aliases);
    settings["IPAMConfig"]["IPv4Address"].read(endpoint.ipv4_address);
    settings["IPAMConfig"]["IPv6Address"].read(endpoint.ipv6_address);
    settings["Links"].read(endpoint.links);
    settings["DriverOpts"].read(endpoint.driver_opts);

    NetworkAddress address;
    settings["NetworkID"].read(address.network_id);
    settings["IPAddress"].read(address.ip_address);
    settings["GlobalIPv6Address"].read(address.ipv6);
    settings["Gateway"].read(address.gateway);
    settings["MacAddress"].read(address.mac_address);
    address.aliases = endpoint.aliases;

    std::erase_if(endpoint.aliases,
                  [&](const std::string& alias) { return !short_id.empty() && alias == short_id; });
    out.config.networks.push_back(std::move(network));
    out.network_ips.emplace(name, std::move(address));
  });
  // The primary network first, as in a create request.
  std::stable_partition(
      out.config.networks.begin(), out.config.networks.end(),
      [&](const ContainerNetwork& n) { return n.name == out.config.network_mode; });
}

void read_state(const Node& node, ContainerState& state) {
  node["Status"].read(state.status);
  node["Running"].read(state.running);
  node["Paused"].read(state.paused);
  node["Restarting"].read(state.restarting);
  node["OOMKilled"].read(state.oom_killed);
  node["Dead"].read(state.dead);
  node["Pid"].read(state.pid);
  node["ExitCode"].read(state.exit_code);
  node["Error"].read(state.error);
  node["StartedAt"].read(state.started_at);
  node["FinishedAt"].read(state.finished_at);
  const Node health = node["Health"];
  if (health.present() && health.expect_object()) {
    ContainerHealth h;
    health["Status"].read(h.status);
    health["FailingStreak"].read(h.failing_streak);
    health["Log"].read_list(h.log, [](const Node& item, HealthcheckResult& result) {
      item["Start"].read(result.start);
      item["End"].read(result.end);
      item["ExitCode"].read(result.exit_code);
      item["Output"].read(result.output);
    });
    state.health = std::move(h);
  }
}

std::string without_slash(std::string name) {
  if (!name.empty() && name.front() == '/') {
    name.erase(0, 1);
  }
  return name;
}

} // namespace

namespace wire {

Json encode_health_config(const HealthConfig& health, bool with_start_interval) {
  Json out = Json::object();
  put_strings(out, "Test", health.test);
  put_nonzero(out, "Interval", health.interval_ns);
  put_nonzero(out, "Timeout", health.timeout_ns);
  put_nonzero(out, "StartPeriod", health.start_period_ns);
  if (with_start_interval) {
    put_nonzero(out, "StartInterval", health.start_interval_ns);
  }
  put_nonzero(out, "Retries", health.retries);
  return out;
}

void read_health_config(const Node& node, std::optional<HealthConfig>& out) {
  if (!node.present() || !node.expect_object()) {
    return;
  }
  HealthConfig health;
  node["Test"].read(health.test);
  node["Interval"].read(health.interval_ns);
  node["Timeout"].read(health.timeout_ns);
  node["StartPeriod"].read(health.start_period_ns);
  node["StartInterval"].read(health.start_interval_ns);
  node["Retries"].read(health.retries);
  out = std::move(health);
}

} // namespace wire

std::string encode_container_create(const ContainerCreate& c, ApiVersion version) {
  Json body = Json::object();
  body["Image"] = c.image;
  put_string(body, "Hostname", c.hostname);
  put_string(body, "Domainname", c.domainname);
  put_string(body, "User", c.user);
  put_true(body, "AttachStdin", c.attach_stdin);
  put_true(body, "AttachStdout", c.attach_stdout);
  put_true(body, "AttachStderr", c.attach_stderr);
  put_true(body, "Tty", c.tty);
  put_true(body, "OpenStdin", c.open_stdin);
  put_true(body, "StdinOnce", c.stdin_once);
  Json exposed = Json::object();
  for (const std::string& port : c.exposed_ports) {
    exposed[wire::normalize_port(port)] = Json::object();
  }
  for (const PortBinding& binding : c.port_bindings) {
    exposed[wire::normalize_port(binding.container_port)] = Json::object();
  }
  if (!exposed.empty()) {
    body["ExposedPorts"] = std::move(exposed);
  }
  put_strings(body, "Env", c.env);
  if (c.cmd.has_value()) {
    body["Cmd"] = *c.cmd;
  }
  if (c.entrypoint.has_value()) {
    body["Entrypoint"] = *c.entrypoint;
  }
  if (c.healthcheck.has_value()) {
    body["Healthcheck"] = wire::encode_health_config(*c.healthcheck, version >= kApi144);
  }
  put_string(body, "WorkingDir", c.working_dir);
  put_map(body, "Labels", c.labels);
  put_string(body, "StopSignal", c.stop_signal);
  if (c.stop_timeout_s.has_value()) {
    body["StopTimeout"] = *c.stop_timeout_s;
  }
  put_string(body, "MacAddress", config_mac_address(c, version));
  body["HostConfig"] = encode_host_config(c);
  if (!c.networks.empty()) {
    body["NetworkingConfig"] = encode_networking_config(c, version);
  }
  return wire::dump(body);
}

Result<CreatedId> decode_created_id(std::string_view body) {
  return wire::decode_object<CreatedId>(body, "create", [](const Node& root, CreatedId& out) {
    root["Id"].read(out.id);
    root["Warnings"].read(out.warnings);
    std::string warning;
    root["Warning"].read(warning);
    if (!warning.empty()) {
      out.warnings.push_back(std::move(warning));
    }
    if (out.id.empty() && !root.state()->failed()) {
      root["Id"].fail("missing");
    }
  });
}

Result<std::vector<ContainerSummary>> decode_container_list(std::string_view body) {
  return wire::decode_array<ContainerSummary>(
      body, "container list", [](const Node& item, ContainerSummary& out) {
        item["Id"].read(out.id);
        item["Names"].read(out.names);
        for (std::string& name : out.names) {
          name = without_slash(std::move(name));
        }
        item["Image"].read(out.image);
        item["ImageID"].read(out.image_id);
        item["Command"].read(out.command);
        item["Created"].read(out.created);
        item["State"].read(out.state);
        item["Status"].read(out.status);
        item["Labels"].read(out.labels);
        item["Ports"].read_list(out.ports, [](const Node& port, PortSummary& p) {
          port["IP"].read(p.ip);
          port["PrivatePort"].read(p.private_port);
          port["PublicPort"].read(p.public_port);
          port["Type"].read(p.type);
        });
      });
}

Result<ContainerInspect> decode_container_inspect(std::string_view body) {
  return wire::decode_object<ContainerInspect>(
      body, "container inspect", [](const Node& root, ContainerInspect& out) {
        root["Id"].read(out.id);
        root["Name"].read(out.name);
        out.name = without_slash(std::move(out.name));
        root["Image"].read(out.image);
        root["Created"].read(out.created);
        root["RestartCount"].read(out.restart_count);
        read_state(root["State"], out.state);
        out.config.name = out.name;
        read_config(root["Config"], out.config);
        read_host_config(root["HostConfig"], out.config);
        read_networks(root["NetworkSettings"]["Networks"], out.id, out);
        read_port_bindings(root["NetworkSettings"]["Ports"], out.published_ports);
        root["Mounts"].read_list(out.mounts, [](const Node& item, MountPoint& mount) {
          item["Type"].read(mount.type);
          item["Name"].read(mount.name);
          item["Source"].read(mount.source);
          item["Destination"].read(mount.destination);
          item["RW"].read(mount.rw);
        });
      });
}

Result<ContainerWait> decode_container_wait(std::string_view body) {
  return wire::decode_object<ContainerWait>(body, "container wait",
                                            [](const Node& root, ContainerWait& out) {
                                              root["StatusCode"].read(out.status_code);
                                              root["Error"]["Message"].read(out.error_message);
                                            });
}

Result<ContainerTop> decode_container_top(std::string_view body) {
  return wire::decode_object<ContainerTop>(body, "container top",
                                           [](const Node& root, ContainerTop& out) {
                                             root["Titles"].read(out.titles);
                                             root["Processes"].read(out.processes);
                                           });
}

} // namespace aic::engine
