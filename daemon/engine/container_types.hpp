#pragma once

#include "engine/network_types.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aic::engine {

/// One host port a container port is published on.
struct PortBinding {
  std::string container_port; ///< "80/tcp"; a bare "80" is sent as "80/tcp"
  std::string host_ip;        ///< "" binds every address
  std::string host_port;      ///< "" lets the engine pick; "8000" or a range "8000-8010"

  bool operator==(const PortBinding&) const = default;
};

/// One HostConfig.Mounts entry. Options of another type than `type` are not sent (the engine
/// rejects, say, VolumeOptions on a bind mount).
struct MountConfig {
  std::string type;   ///< bind, volume or tmpfs
  std::string source; ///< host path for bind, volume name for volume ("" = anonymous), "" for tmpfs
  std::string target;
  bool read_only = false;
  bool volume_no_copy = false; ///< do not copy the image's files into a new volume
  std::map<std::string, std::string> volume_labels; ///< labels of a volume the mount creates
  std::int64_t tmpfs_size_bytes = 0;                ///< 0 = unlimited
  /// Permission bits as a plain number (octal 1777 is 1023), as the engine reads os.FileMode.
  std::int64_t tmpfs_mode = 0;

  bool operator==(const MountConfig&) const = default;
};

/// One network a container joins; networks[0] of a ContainerCreate is its primary network.
struct ContainerNetwork {
  std::string name;
  NetworkEndpoint endpoint;

  bool operator==(const ContainerNetwork&) const = default;
};

struct RestartPolicy {
  std::string name;            ///< "", no, always, on-failure, unless-stopped
  int maximum_retry_count = 0; ///< on-failure only; 0 = no limit

  bool operator==(const RestartPolicy&) const = default;
};

/// Docker's HealthConfig. A zero duration or retry count means "the image's value, else the
/// engine default".
struct HealthConfig {
  std::vector<std::string> test; ///< ["CMD", …], ["CMD-SHELL", s] or ["NONE"]; [] = the image's
  std::int64_t interval_ns = 0;
  std::int64_t timeout_ns = 0;
  std::int64_t start_period_ns = 0;
  std::int64_t start_interval_ns = 0; ///< sent only from API 1.44
  int retries = 0;

  bool operator==(const HealthConfig&) const = default;
};

/// The HostConfig resource limits a compose service can set; 0 = unset (no limit).
struct Resources {
  std::int64_t nano_cpus = 0; ///< CPUs × 10^9
  std::int64_t cpu_shares = 0;
  std::int64_t cpu_quota = 0;  ///< microseconds per cpu_period
  std::int64_t cpu_period = 0; ///< microseconds
  std::string cpuset_cpus;     ///< "0-3,5"
  std::int64_t memory_bytes = 0;
  std::int64_t memory_reservation_bytes = 0;
  std::int64_t memory_swap_bytes = 0; ///< memory plus swap; -1 = unlimited swap
  std::int64_t pids_limit = 0;        ///< -1 = unlimited
  bool oom_kill_disable = false;
  int blkio_weight = 0; ///< 10…1000

  bool operator==(const Resources&) const = default;
};

struct Ulimit {
  std::string name; ///< "nofile"
  std::int64_t soft = 0;
  std::int64_t hard = 0;

  bool operator==(const Ulimit&) const = default;
};

/// A host device node made visible in the container.
struct DeviceMapping {
  std::string path_on_host;
  std::string path_in_container;
  std::string cgroup_permissions; ///< "rwm"

  bool operator==(const DeviceMapping&) const = default;
};

/// A request for devices from a device driver (GPUs through the NVIDIA runtime hook).
struct DeviceRequest {
  std::string driver; ///< "" lets the engine pick the driver from the capabilities
  int count = 0;      ///< -1 = all; 0 when device_ids name them
  std::vector<std::string> device_ids;
  /// OR of AND-lists: [["gpu"]] asks a driver that offers "gpu".
  std::vector<std::vector<std::string>> capabilities;
  std::map<std::string, std::string> options;

  bool operator==(const DeviceRequest&) const = default;
};

struct LogConfig {
  std::string type; ///< "" = the engine's default driver
  std::map<std::string, std::string> config;

  bool operator==(const LogConfig&) const = default;
};

/// POST /containers/create: everything a compose service maps to. Empty strings, empty lists,
/// false and 0 mean "not set" and are not sent. Decoded back from GET /containers/{id}/json as
/// ContainerInspect::config, so what was created can be compared with what the engine holds
/// (the engine merges in image defaults: Env, Labels, Cmd, …).
struct ContainerCreate {
  std::string name;     ///< the `name` query parameter, not part of the body
  std::string platform; ///< the `platform` query parameter ("linux/arm64"), not part of the body
  std::string image;
  /// nullopt = the image's CMD; an empty list is sent as [] (the engine then still falls back
  /// to the image's CMD when there is no entrypoint either).
  std::optional<std::vector<std::string>> cmd;
  /// nullopt = the image's ENTRYPOINT; an empty list is sent as [], which drops the image's
  /// ENTRYPOINT but keeps its CMD (what Compose sends for `entrypoint: []` or `""`).
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> env; ///< "K=V"
  std::map<std::string, std::string> labels;
  /// "80/tcp"; the container ports of port_bindings are exposed too (the engine publishes only
  /// exposed ports), so they need not be repeated here.
  std::vector<std::string> exposed_ports;
  std::vector<PortBinding> port_bindings;
  std::vector<std::string> binds; ///< "src:dst[:opts]"
  std::vector<MountConfig> mounts;
  std::map<std::string, std::string> tmpfs; ///< path → mount options ("rw,size=1m")
  /// The first is the primary network: below API 1.44 only it can be given at create and the
  /// caller connects the rest after the create; from 1.44 all are sent.
  std::vector<ContainerNetwork> networks;
  std::string network_mode; ///< bridge, host, none, container:<id>, or a network name
  RestartPolicy restart_policy;
  bool auto_remove = false; ///< HostConfig.AutoRemove: the engine removes it once it exits
  std::optional<HealthConfig> healthcheck; ///< nullopt = the image's healthcheck
  Resources resources;
  std::vector<Ulimit> ulimits;
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  bool privileged = false;
  std::vector<std::string> security_opt;
  std::vector<DeviceMapping> devices;
  std::vector<DeviceRequest> device_requests;
  LogConfig log_config;
  std::string user;
  std::string working_dir;
  std::string stop_signal;
  std::optional<int> stop_timeout_s; ///< nullopt = the engine default (10 s)
  std::optional<bool> init;          ///< nullopt = the engine's default
  bool read_only = false;            ///< read-only root filesystem
  std::int64_t shm_size_bytes = 0;
  std::map<std::string, std::string> sysctls;
  std::vector<std::string> extra_hosts; ///< "host:ip"
  std::vector<std::string> dns;
  std::vector<std::string> dns_search;
  std::vector<std::string> dns_options;
  std::string hostname;
  std::string domainname;
  bool tty = false;
  bool open_stdin = false;
  bool stdin_once = false;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  std::string ipc_mode;
  std::string pid_mode;
  std::string userns_mode;
  std::string runtime; ///< "" = the engine's default runtime
  std::vector<std::string> group_add;
  int oom_score_adj = 0;
  std::string cgroup_parent;
  std::vector<std::string> volumes_from; ///< "container[:ro|rw]"
  std::vector<std::string> links;        ///< legacy links on the default bridge
  /// Container-wide MAC address: Config.MacAddress below API 1.44, and from 1.44 the primary
  /// network's endpoint address when that does not set its own.
  std::string mac_address;

  bool operator==(const ContainerCreate&) const = default;
};

/// The answer to a create (containers, exec instances, networks).
struct CreatedId {
  std::string id;
  std::vector<std::string> warnings;

  bool operator==(const CreatedId&) const = default;
};

/// One published port of GET /containers/json.
struct PortSummary {
  std::string ip;       ///< host address; "" when not published
  int private_port = 0; ///< the container port
  int public_port = 0;  ///< 0 when not published
  std::string type;     ///< tcp, udp or sctp

  bool operator==(const PortSummary&) const = default;
};

/// One entry of GET /containers/json.
struct ContainerSummary {
  std::string id;
  std::vector<std::string> names; ///< without the leading '/'
  std::string image;              ///< as given at create
  std::string image_id;
  std::string command;
  std::int64_t created = 0; ///< unix seconds
  std::string state;        ///< created, running, paused, restarting, removing, exited, dead
  std::string status;       ///< human text, "Up 2 minutes (healthy)"
  std::map<std::string, std::string> labels;
  std::vector<PortSummary> ports;

  bool operator==(const ContainerSummary&) const = default;
};

struct HealthcheckResult {
  std::string start; ///< RFC 3339 with nanoseconds
  std::string end;
  int exit_code = 0;
  std::string output;

  bool operator==(const HealthcheckResult&) const = default;
};

struct ContainerHealth {
  std::string status; ///< starting, healthy, unhealthy
  int failing_streak = 0;
  std::vector<HealthcheckResult> log; ///< oldest first

  bool operator==(const ContainerHealth&) const = default;
};

struct ContainerState {
  std::string status; ///< created, running, paused, restarting, removing, exited, dead
  bool running = false;
  bool paused = false;
  bool restarting = false;
  bool oom_killed = false;
  bool dead = false;
  int pid = 0;
  int exit_code = 0;
  std::string error;                     ///< why the last start failed
  std::string started_at;                ///< RFC 3339; "0001-01-01T00:00:00Z" when never
  std::string finished_at;               ///< RFC 3339; "0001-01-01T00:00:00Z" when never
  std::optional<ContainerHealth> health; ///< nullopt when the container has no healthcheck

  bool operator==(const ContainerState&) const = default;
};

/// A container's address on one network, once it runs.
struct NetworkAddress {
  std::string network_id;
  std::string ip_address; ///< no prefix length; "" before the container starts
  std::string ipv6;       ///< global IPv6 address
  std::string gateway;
  std::string mac_address;
  std::vector<std::string> aliases;

  bool operator==(const NetworkAddress&) const = default;
};

/// A mount as the engine resolved it.
struct MountPoint {
  std::string type; ///< bind, volume, tmpfs, …
  std::string name; ///< volume name; "" for other types
  std::string source;
  std::string destination;
  bool rw = false;

  bool operator==(const MountPoint&) const = default;
};

/// GET /containers/{id}/json.
struct ContainerInspect {
  std::string id;
  std::string name;    ///< without the leading '/'
  std::string image;   ///< the image ID ("sha256:…")
  std::string created; ///< RFC 3339
  int restart_count = 0;
  ContainerState state;
  /// Config, HostConfig and NetworkSettings.Networks read back as a create request; name is
  /// set, platform is not. exposed_ports lists the ports of port_bindings too; the alias the
  /// engine adds for the short container id (engines before 25) is left out; the network named by
  /// network_mode comes first; endpoint MAC addresses are in network_ips only, as the engine
  /// does not tell a requested address from an assigned one.
  ContainerCreate config;
  std::map<std::string, NetworkAddress> network_ips; ///< by network name
  std::vector<PortBinding> published_ports;          ///< sorted by container port
  std::vector<MountPoint> mounts;

  bool operator==(const ContainerInspect&) const = default;
};

/// POST /containers/{id}/wait.
struct ContainerWait {
  std::int64_t status_code = 0;
  std::string error_message; ///< set when waiting failed (for example the start failed)

  bool operator==(const ContainerWait&) const = default;
};

/// GET /containers/{id}/top.
struct ContainerTop {
  std::vector<std::string> titles; ///< ps columns, "PID", "CMD", …
  std::vector<std::vector<std::string>> processes;

  bool operator==(const ContainerTop&) const = default;
};

} // namespace aic::engine
