// Encoding of POST /containers/create and decoding of the container endpoints' answers. The
// fixtures are trimmed answers of a real Engine 20.10 (API 1.41).

#include "engine/wire.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace aic::engine {
namespace {

using nlohmann::json;

constexpr ApiVersion kApi141{1, 41};
constexpr ApiVersion kApi143{1, 43};
constexpr ApiVersion kApi144{1, 44};

json encoded(const ContainerCreate& create, ApiVersion version) {
  return json::parse(encode_container_create(create, version));
}

// What container aicwiretest-web was created with (see kInspectCreated).
ContainerCreate rich_create() {
  ContainerCreate c;
  c.name = "aicwiretest-web";
  c.image = "aic-test/busybox";
  c.hostname = "web";
  c.domainname = "example.com";
  c.user = "1000:1000";
  c.attach_stdout = true;
  c.attach_stderr = true;
  c.exposed_ports = {"53/udp", "80/tcp"};
  c.tty = true;
  c.open_stdin = true;
  c.env = {"A=1", "B=two words"};
  c.cmd = std::vector<std::string>{"sleep", "300"};
  c.entrypoint = std::vector<std::string>{"/bin/sh", "-c", "exec \"$@\"", "--"};
  c.healthcheck =
      HealthConfig{{"CMD-SHELL", "true"}, 2'000'000'000, 1'000'000'000, 3'000'000'000, 0, 4};
  c.working_dir = "/tmp";
  c.labels = {{"com.docker.compose.project", "aicwiretest"}, {"io.aic.config-hash", "abc"}};
  c.stop_signal = "SIGINT";
  c.stop_timeout_s = 7;
  c.mac_address = "02:42:ac:1f:fa:90";
  c.binds = {"/tmp/bb:/mnt/bb:ro"};
  c.log_config = {"json-file", {{"max-file", "3"}, {"max-size", "10m"}}};
  c.network_mode = "aicwiretest-net";
  c.port_bindings = {{"53/udp", "", ""}, {"80/tcp", "127.0.0.1", "18080"}};
  c.restart_policy = {"on-failure", 3};
  c.mounts = {
      {"volume", "aicwiretest-vol", "/data", false, true, {{"x", "y"}}, 0, 0},
      {"tmpfs", "", "/scratch", false, false, {}, 1'048'576, 1777}, // sent as given
      {"bind", "/tmp", "/hosttmp", true, false, {}, 0, 0},
  };
  c.cap_add = {"NET_ADMIN"};
  c.cap_drop = {"MKNOD"};
  c.dns = {"1.1.1.1"};
  c.dns_options = {"ndots:2"};
  c.dns_search = {"example.com"};
  c.extra_hosts = {"db:10.0.0.5"};
  c.group_add = {"audio"};
  c.ipc_mode = "private";
  c.oom_score_adj = 100;
  c.security_opt = {"no-new-privileges:true"};
  c.tmpfs = {{"/run", "rw,size=1m"}};
  c.shm_size_bytes = 67'108'864;
  c.sysctls = {{"net.core.somaxconn", "1024"}};
  c.runtime = "runc";
  c.init = true;
  c.resources.cpu_shares = 512;
  c.resources.memory_bytes = 67'108'864;
  c.resources.cpu_period = 100'000;
  c.resources.cpu_quota = 50'000;
  c.resources.cpuset_cpus = "0";
  c.resources.memory_reservation_bytes = 33'554'432;
  c.resources.memory_swap_bytes = 134'217'728;
  c.resources.pids_limit = 100;
  c.devices = {{"/dev/null", "/dev/mynull", "rwm"}};
  c.device_requests = {{"", 0, {"0"}, {{"gpu"}}, {{"k", "v"}}}};
  c.ulimits = {{"nofile", 1024, 2048}};
  NetworkEndpoint endpoint;
  endpoint.aliases = {"web", "www"};
  endpoint.ipv4_address = "172.31.250.10";
  endpoint.driver_opts = {{"o", "v"}};
  c.networks = {{"aicwiretest-net", endpoint}};
  return c;
}

const char* const kInspectCreated = R"json({
 "Id": "ee517cc84665ca5233e4c5fc1107761faa2b4d73791f940670a1d934ba23a44c",
 "Created": "2026-11-29T03:19:40.489750446Z",
 "Path": "/bin/sh",
 "Args": [
  "-c",
  "exec \"$@\"",
  "--",
  "sleep",
  "300"
 ],
 "State": {
  "Status": "created",
  "Running": false,
  "Paused": false,
  "Restarting": false,
  "OOMKilled": false,
  "Dead": false,
  "Pid": 0,
  "ExitCode": 0,
  "Error": "",
  "StartedAt": "0001-01-01T00:00:00Z",
  "FinishedAt": "0001-01-01T00:00:00Z"
 },
 "Image": "sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a",
 "Name": "/aicwiretest-web",
 "RestartCount": 0,
 "HostConfig": {
  "Binds": [
   "/tmp/bb:/mnt/bb:ro"
  ],
  "LogConfig": {
   "Type": "json-file",
   "Config": {
    "max-file": "3",
    "max-size": "10m"
   }
  },
  "NetworkMode": "aicwiretest-net",
  "PortBindings": {
   "53/udp": [
    {
     "HostIp": "",
     "HostPort": ""
    }
   ],
   "80/tcp": [
    {
     "HostIp": "127.0.0.1",
     "HostPort": "18080"
    }
   ]
  },
  "RestartPolicy": {
   "Name": "on-failure",
   "MaximumRetryCount": 3
  },
  "VolumesFrom": null,
  "CapAdd": [
   "NET_ADMIN"
  ],
  "CapDrop": [
   "MKNOD"
  ],
  "Dns": [
   "1.1.1.1"
  ],
  "DnsOptions": [
   "ndots:2"
  ],
  "DnsSearch": [
   "example.com"
  ],
  "ExtraHosts": [
   "db:10.0.0.5"
  ],
  "GroupAdd": [
   "audio"
  ],
  "IpcMode": "private",
  "Links": null,
  "OomScoreAdj": 100,
  "PidMode": "",
  "Privileged": false,
  "ReadonlyRootfs": false,
  "SecurityOpt": [
   "no-new-privileges:true"
  ],
  "Tmpfs": {
   "/run": "rw,size=1m"
  },
  "UsernsMode": "",
  "ShmSize": 67108864,
  "Sysctls": {
   "net.core.somaxconn": "1024"
  },
  "Runtime": "runc",
  "CpuShares": 512,
  "Memory": 67108864,
  "NanoCpus": 0,
  "CgroupParent": "",
  "BlkioWeight": 0,
  "CpuPeriod": 100000,
  "CpuQuota": 50000,
  "CpusetCpus": "0",
  "Devices": [
   {
    "PathOnHost": "/dev/null",
    "PathInContainer": "/dev/mynull",
    "CgroupPermissions": "rwm"
   }
  ],
  "DeviceRequests": [
   {
    "Driver": "",
    "Count": 0,
    "DeviceIDs": [
     "0"
    ],
    "Capabilities": [
     [
      "gpu"
     ]
    ],
    "Options": {
     "k": "v"
    }
   }
  ],
  "MemoryReservation": 33554432,
  "MemorySwap": 134217728,
  "MemorySwappiness": null,
  "OomKillDisable": false,
  "PidsLimit": 100,
  "Ulimits": [
   {
    "Name": "nofile",
    "Hard": 2048,
    "Soft": 1024
   }
  ],
  "Mounts": [
   {
    "Type": "volume",
    "Source": "aicwiretest-vol",
    "Target": "/data",
    "VolumeOptions": {
     "NoCopy": true,
     "Labels": {
      "x": "y"
     }
    }
   },
   {
    "Type": "tmpfs",
    "Target": "/scratch",
    "TmpfsOptions": {
     "SizeBytes": 1048576,
     "Mode": 1777
    }
   },
   {
    "Type": "bind",
    "Source": "/tmp",
    "Target": "/hosttmp",
    "ReadOnly": true
   }
  ],
  "Init": true
 },
 "Mounts": [
  {
   "Type": "bind",
   "Source": "/tmp/bb",
   "Destination": "/mnt/bb",
   "Mode": "ro",
   "RW": false,
   "Propagation": "rprivate"
  },
  {
   "Type": "volume",
   "Name": "aicwiretest-vol",
   "Source": "/var/lib/docker/volumes/aicwiretest-vol/_data",
   "Destination": "/data",
   "Driver": "local",
   "Mode": "z",
   "RW": true,
   "Propagation": ""
  },
  {
   "Type": "tmpfs",
   "Source": "",
   "Destination": "/scratch",
   "Mode": "",
   "RW": true,
   "Propagation": ""
  },
  {
   "Type": "bind",
   "Source": "/tmp",
   "Destination": "/hosttmp",
   "Mode": "",
   "RW": false,
   "Propagation": "rprivate"
  }
 ],
 "Config": {
  "Hostname": "web",
  "Domainname": "example.com",
  "User": "1000:1000",
  "AttachStdin": false,
  "AttachStdout": true,
  "AttachStderr": true,
  "ExposedPorts": {
   "53/udp": {},
   "80/tcp": {}
  },
  "Tty": true,
  "OpenStdin": true,
  "StdinOnce": false,
  "Env": [
   "A=1",
   "B=two words"
  ],
  "Cmd": [
   "sleep",
   "300"
  ],
  "Healthcheck": {
   "Test": [
    "CMD-SHELL",
    "true"
   ],
   "Interval": 2000000000,
   "Timeout": 1000000000,
   "StartPeriod": 3000000000,
   "Retries": 4
  },
  "Image": "aic-test/busybox",
  "Volumes": null,
  "WorkingDir": "/tmp",
  "Entrypoint": [
   "/bin/sh",
   "-c",
   "exec \"$@\"",
   "--"
  ],
  "MacAddress": "02:42:ac:1f:fa:90",
  "OnBuild": null,
  "Labels": {
   "com.docker.compose.project": "aicwiretest",
   "io.aic.config-hash": "abc"
  },
  "StopSignal": "SIGINT",
  "StopTimeout": 7
 },
 "NetworkSettings": {
  "Ports": {},
  "Networks": {
   "aicwiretest-net": {
    "IPAMConfig": {
     "IPv4Address": "172.31.250.10"
    },
    "Links": [],
    "Aliases": [
     "web",
     "www"
    ],
    "NetworkID": "",
    "EndpointID": "",
    "Gateway": "",
    "IPAddress": "",
    "IPPrefixLen": 0,
    "IPv6Gateway": "",
    "GlobalIPv6Address": "",
    "GlobalIPv6PrefixLen": 0,
    "MacAddress": "",
    "DriverOpts": {
     "o": "v"
    }
   }
  }
 }
})json";

const char* const kInspectRunning = R"json({
 "Id": "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e",
 "Created": "2026-11-29T03:20:00.627075497Z",
 "Path": "/bin/busybox",
 "Args": [
  "sleep",
  "300"
 ],
 "State": {
  "Status": "running",
  "Running": true,
  "Paused": false,
  "Restarting": false,
  "OOMKilled": false,
  "Dead": false,
  "Pid": 15689,
  "ExitCode": 0,
  "Error": "",
  "StartedAt": "2026-11-29T03:20:01.487920875Z",
  "FinishedAt": "0001-01-01T00:00:00Z",
  "Health": {
   "Status": "healthy",
   "FailingStreak": 0,
   "Log": [
    {
     "Start": "2026-11-29T03:20:02.4893344Z",
     "End": "2026-11-29T03:20:02.601465584Z",
     "ExitCode": 0,
     "Output": ""
    },
    {
     "Start": "2026-11-29T03:20:03.617994872Z",
     "End": "2026-11-29T03:20:03.767484921Z",
     "ExitCode": 0,
     "Output": ""
    }
   ]
  }
 },
 "Image": "sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a",
 "Name": "/aicwiretest-run",
 "RestartCount": 0,
 "HostConfig": {
  "Binds": null,
  "LogConfig": {
   "Type": "json-file",
   "Config": {}
  },
  "NetworkMode": "aicwiretest-net",
  "PortBindings": {
   "80/tcp": [
    {
     "HostIp": "127.0.0.1",
     "HostPort": ""
    }
   ]
  },
  "RestartPolicy": {
   "Name": "",
   "MaximumRetryCount": 0
  },
  "VolumesFrom": null,
  "CapAdd": null,
  "CapDrop": null,
  "Dns": null,
  "Links": null,
  "Privileged": false,
  "ShmSize": 67108864,
  "Runtime": "runc",
  "Memory": 0,
  "NanoCpus": 0,
  "PidsLimit": null,
  "OomKillDisable": false,
  "Devices": null,
  "DeviceRequests": null,
  "Ulimits": null,
  "Mounts": [
   {
    "Type": "volume",
    "Source": "aicwiretest-vol",
    "Target": "/data"
   }
  ]
 },
 "Mounts": [
  {
   "Type": "volume",
   "Name": "aicwiretest-vol",
   "Source": "/var/lib/docker/volumes/aicwiretest-vol/_data",
   "Destination": "/data",
   "Driver": "local",
   "Mode": "z",
   "RW": true,
   "Propagation": ""
  }
 ],
 "Config": {
  "Hostname": "653465ffe9cb",
  "User": "",
  "AttachStdin": false,
  "AttachStdout": false,
  "AttachStderr": false,
  "ExposedPorts": {
   "80/tcp": {}
  },
  "Tty": false,
  "Env": null,
  "Cmd": [
   "/bin/busybox",
   "sleep",
   "300"
  ],
  "Healthcheck": {
   "Test": [
    "CMD",
    "/bin/busybox",
    "true"
   ],
   "Interval": 1000000000,
   "Retries": 2
  },
  "Image": "aic-test/busybox",
  "Volumes": null,
  "WorkingDir": "",
  "Entrypoint": null,
  "OnBuild": null,
  "Labels": {
   "com.docker.compose.project": "aicwiretest"
  }
 },
 "NetworkSettings": {
  "Ports": {
   "80/tcp": [
    {
     "HostIp": "127.0.0.1",
     "HostPort": "32769"
    }
   ]
  },
  "Networks": {
   "aicwiretest-net": {
    "IPAMConfig": null,
    "Links": null,
    "Aliases": [
     "runner",
     "653465ffe9cb"
    ],
    "NetworkID": "dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40",
    "EndpointID": "713e064498702f7142b02cf50340fb0568232b1dcd87156be99c777201104a3b",
    "Gateway": "172.31.250.1",
    "IPAddress": "172.31.250.128",
    "IPPrefixLen": 24,
    "IPv6Gateway": "",
    "GlobalIPv6Address": "",
    "GlobalIPv6PrefixLen": 0,
    "MacAddress": "02:42:ac:1f:fa:80",
    "DriverOpts": null
   },
   "aicwiretest-net2": {
    "IPAMConfig": {},
    "Links": null,
    "Aliases": [
     "r2",
     "653465ffe9cb"
    ],
    "NetworkID": "9908d77f47c1031ed57c5e85e4432023ba1facf35b7d14c7eea7f76fc36288ee",
    "EndpointID": "9601f33b3f8edcac87fc950165e1f2e96e1847ed0405cdf79435b8044c496f9d",
    "Gateway": "172.18.0.1",
    "IPAddress": "172.18.0.2",
    "IPPrefixLen": 16,
    "IPv6Gateway": "",
    "GlobalIPv6Address": "",
    "GlobalIPv6PrefixLen": 0,
    "MacAddress": "02:42:ac:12:00:02",
    "DriverOpts": null
   }
  }
 }
})json";

// --- encoding ---

TEST(WireContainerCreate, EncodesEveryFieldOfARichServiceAtApi141) {
  ContainerCreate create = rich_create();
  create.resources.blkio_weight = 300;
  const json expected = json::parse(R"({
    "Image": "aic-test/busybox", "Hostname": "web", "Domainname": "example.com",
    "User": "1000:1000", "AttachStdout": true, "AttachStderr": true,
    "ExposedPorts": {"53/udp": {}, "80/tcp": {}}, "Tty": true, "OpenStdin": true,
    "Env": ["A=1", "B=two words"], "Cmd": ["sleep", "300"],
    "Entrypoint": ["/bin/sh", "-c", "exec \"$@\"", "--"],
    "Healthcheck": {"Test": ["CMD-SHELL", "true"], "Interval": 2000000000,
                    "Timeout": 1000000000, "StartPeriod": 3000000000, "Retries": 4},
    "WorkingDir": "/tmp",
    "Labels": {"com.docker.compose.project": "aicwiretest", "io.aic.config-hash": "abc"},
    "StopSignal": "SIGINT", "StopTimeout": 7, "MacAddress": "02:42:ac:1f:fa:90",
    "HostConfig": {
      "Binds": ["/tmp/bb:/mnt/bb:ro"],
      "LogConfig": {"Type": "json-file", "Config": {"max-file": "3", "max-size": "10m"}},
      "NetworkMode": "aicwiretest-net",
      "PortBindings": {"53/udp": [{"HostIp": "", "HostPort": ""}],
                       "80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}]},
      "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
      "Mounts": [
        {"Type": "volume", "Source": "aicwiretest-vol", "Target": "/data",
         "VolumeOptions": {"NoCopy": true, "Labels": {"x": "y"}}},
        {"Type": "tmpfs", "Target": "/scratch", "TmpfsOptions": {"SizeBytes": 1048576, "Mode": 1777}},
        {"Type": "bind", "Source": "/tmp", "Target": "/hosttmp", "ReadOnly": true}],
      "CapAdd": ["NET_ADMIN"], "CapDrop": ["MKNOD"], "Dns": ["1.1.1.1"],
      "DnsOptions": ["ndots:2"], "DnsSearch": ["example.com"], "ExtraHosts": ["db:10.0.0.5"],
      "GroupAdd": ["audio"], "IpcMode": "private", "OomScoreAdj": 100,
      "SecurityOpt": ["no-new-privileges:true"], "Tmpfs": {"/run": "rw,size=1m"},
      "ShmSize": 67108864, "Sysctls": {"net.core.somaxconn": "1024"}, "Runtime": "runc",
      "Init": true, "CpuShares": 512, "Memory": 67108864, "BlkioWeight": 300,
      "CpuPeriod": 100000, "CpuQuota": 50000, "CpusetCpus": "0",
      "MemoryReservation": 33554432, "MemorySwap": 134217728, "PidsLimit": 100,
      "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/mynull",
                   "CgroupPermissions": "rwm"}],
      "DeviceRequests": [{"Count": 0, "DeviceIDs": ["0"], "Capabilities": [["gpu"]],
                          "Options": {"k": "v"}}],
      "Ulimits": [{"Name": "nofile", "Soft": 1024, "Hard": 2048}]},
    "NetworkingConfig": {"EndpointsConfig": {"aicwiretest-net": {
      "Aliases": ["web", "www"], "IPAMConfig": {"IPv4Address": "172.31.250.10"},
      "DriverOpts": {"o": "v"}}}}
  })");
  EXPECT_EQ(encoded(create, kApi141), expected);
}

TEST(WireContainerCreate, SendsOnlyImageAndAnEmptyHostConfigForAMinimalRequest) {
  ContainerCreate create;
  create.name = "web-1";
  create.platform = "linux/amd64";
  create.image = "nginx";
  EXPECT_EQ(encoded(create, kApi141), json::parse(R"({"Image": "nginx", "HostConfig": {}})"));
}

TEST(WireContainerCreate, SendsAutoRemoveForOneOffContainersAndReadsItBack) {
  ContainerCreate create;
  create.image = "busybox";
  create.auto_remove = true;
  create.tty = true;
  create.open_stdin = true;
  create.stdin_once = true;
  const json body = encoded(create, kApi141);
  EXPECT_EQ(body["HostConfig"], json::parse(R"({"AutoRemove": true})"));
  const Result<ContainerInspect> inspect = decode_container_inspect(
      R"({"Id":"c1","Name":"/x","Config":{"Image":"busybox","Tty":true,"OpenStdin":true},)"
      R"("HostConfig":{"AutoRemove":true},"State":{"Status":"created"}})");
  ASSERT_TRUE(inspect) << inspect.error().describe();
  EXPECT_TRUE(inspect->config.auto_remove);
  EXPECT_TRUE(inspect->config.open_stdin);
}

TEST(WireContainerCreate, SendsStartIntervalOnlyFromApi144) {
  ContainerCreate create;
  create.image = "x";
  create.healthcheck = HealthConfig{{"CMD", "true"}, 0, 0, 0, 500'000'000, 0};
  EXPECT_FALSE(encoded(create, kApi143)["Healthcheck"].contains("StartInterval"));
  EXPECT_EQ(encoded(create, kApi144)["Healthcheck"]["StartInterval"], 500'000'000);
}

TEST(WireContainerCreate, SendsAnEmptyHealthcheckObjectToInheritTheImageTest) {
  ContainerCreate create;
  create.image = "x";
  create.healthcheck = HealthConfig{};
  EXPECT_EQ(encoded(create, kApi141)["Healthcheck"], json::object());
}

TEST(WireContainerCreate, SendsOnlyThePrimaryNetworkBelowApi144) {
  ContainerCreate create;
  create.image = "x";
  create.network_mode = "front";
  create.networks = {{"front", {}}, {"back", {}}};
  EXPECT_EQ(encoded(create, kApi143)["NetworkingConfig"],
            json::parse(R"({"EndpointsConfig": {"front": {}}})"));
}

TEST(WireContainerCreate, SendsEveryNetworkFromApi144) {
  ContainerCreate create;
  create.image = "x";
  create.network_mode = "front";
  NetworkEndpoint back;
  back.aliases = {"db"};
  create.networks = {{"front", {}}, {"back", back}};
  EXPECT_EQ(encoded(create, kApi144)["NetworkingConfig"],
            json::parse(R"({"EndpointsConfig": {"front": {}, "back": {"Aliases": ["db"]}}})"));
}

TEST(WireContainerCreate, PutsTheMacAddressInConfigBelowApi144) {
  ContainerCreate create;
  create.image = "x";
  create.mac_address = "02:00:00:00:00:01";
  create.networks = {{"front", {}}};
  create.networks[0].endpoint.mac_address = "02:00:00:00:00:09";
  const json body = encoded(create, kApi143);
  EXPECT_EQ(body["MacAddress"], "02:00:00:00:00:01");
  EXPECT_FALSE(body["NetworkingConfig"]["EndpointsConfig"]["front"].contains("MacAddress"));
}

TEST(WireContainerCreate, UsesThePrimaryEndpointMacAddressInConfigBelowApi144) {
  ContainerCreate create;
  create.image = "x";
  create.networks = {{"front", {}}};
  create.networks[0].endpoint.mac_address = "02:00:00:00:00:09";
  EXPECT_EQ(encoded(create, kApi141)["MacAddress"], "02:00:00:00:00:09");
}

TEST(WireContainerCreate, PutsMacAddressesOnTheEndpointsFromApi144) {
  ContainerCreate create;
  create.image = "x";
  create.mac_address = "02:00:00:00:00:01";
  create.networks = {{"front", {}}, {"back", {}}};
  create.networks[1].endpoint.mac_address = "02:00:00:00:00:02";
  const json body = encoded(create, kApi144);
  EXPECT_FALSE(body.contains("MacAddress"));
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["front"]["MacAddress"],
            "02:00:00:00:00:01");
  EXPECT_EQ(body["NetworkingConfig"]["EndpointsConfig"]["back"]["MacAddress"], "02:00:00:00:00:02");
}

TEST(WireContainerCreate, KeepsConfigMacAddressFromApi144WhenNoNetworkIsGiven) {
  ContainerCreate create;
  create.image = "x";
  create.mac_address = "02:00:00:00:00:01";
  EXPECT_EQ(encoded(create, kApi144)["MacAddress"], "02:00:00:00:00:01");
}

TEST(WireContainerCreate, LeavesCmdAndEntrypointOutWhenUnset) {
  ContainerCreate create;
  create.image = "x";
  const json body = encoded(create, kApi141);
  EXPECT_FALSE(body.contains("Cmd"));
  EXPECT_FALSE(body.contains("Entrypoint"));
}

TEST(WireContainerCreate, SendsAnExplicitlyEmptyEntrypointAndCmdAsEmptyArrays) {
  ContainerCreate create;
  create.image = "x";
  create.cmd = std::vector<std::string>{};
  create.entrypoint = std::vector<std::string>{};
  const json body = encoded(create, kApi141);
  EXPECT_EQ(body["Cmd"], json::array());
  EXPECT_EQ(body["Entrypoint"], json::array());
}

TEST(WireContainerCreate, ExposesTheContainerPortsOfPortBindings) {
  ContainerCreate create;
  create.image = "x";
  create.exposed_ports = {"9000/udp"};
  create.port_bindings = {{"80/tcp", "", "8080"}, {"80/tcp", "::", "8080"}};
  const json body = encoded(create, kApi141);
  EXPECT_EQ(body["ExposedPorts"], json::parse(R"({"80/tcp": {}, "9000/udp": {}})"));
  EXPECT_EQ(body["HostConfig"]["PortBindings"],
            json::parse(R"({"80/tcp": [{"HostIp": "", "HostPort": "8080"},
                                       {"HostIp": "::", "HostPort": "8080"}]})"));
}

TEST(WireContainerCreate, AddsTcpToPortsWithoutAProtocol) {
  ContainerCreate create;
  create.image = "x";
  create.exposed_ports = {"53"};
  create.port_bindings = {{"80", "", ""}};
  const json body = encoded(create, kApi141);
  EXPECT_EQ(body["ExposedPorts"], json::parse(R"({"53/tcp": {}, "80/tcp": {}})"));
  EXPECT_TRUE(body["HostConfig"]["PortBindings"].contains("80/tcp"));
}

TEST(WireContainerCreate, SendsMountOptionsOnlyForTheirMountType) {
  ContainerCreate create;
  create.image = "x";
  MountConfig bind{"bind", "/src", "/dst", false, true, {{"a", "b"}}, 4096, 448};
  create.mounts = {bind};
  EXPECT_EQ(encoded(create, kApi141)["HostConfig"]["Mounts"],
            json::parse(R"([{"Type": "bind", "Source": "/src", "Target": "/dst"}])"));
}

TEST(WireContainerCreate, SendsADeviceRequestForAllGpus) {
  ContainerCreate create;
  create.image = "x";
  create.device_requests = {{"nvidia", -1, {}, {{"gpu"}}, {}}};
  EXPECT_EQ(encoded(create, kApi141)["HostConfig"]["DeviceRequests"],
            json::parse(R"([{"Driver": "nvidia", "Count": -1, "Capabilities": [["gpu"]]}])"));
}

TEST(WireContainerCreate, SendsFalseInitAndZeroStopTimeoutWhenSet) {
  ContainerCreate create;
  create.image = "x";
  create.init = false;
  create.stop_timeout_s = 0;
  const json body = encoded(create, kApi141);
  EXPECT_EQ(body["HostConfig"]["Init"], false);
  EXPECT_EQ(body["StopTimeout"], 0);
}

TEST(WireContainerCreate, ReplacesInvalidUtf8InsteadOfThrowing) {
  ContainerCreate create;
  create.image = "x";
  create.env = {"A=\xff"};
  EXPECT_EQ(encoded(create, kApi141)["Env"][0], "A=\xEF\xBF\xBD");
}

// --- decoding ---

TEST(WireContainerInspect, ReadsBackWhatTheContainerWasCreatedWith) {
  const Result<ContainerInspect> inspect = decode_container_inspect(kInspectCreated);
  ASSERT_TRUE(inspect) << inspect.error().describe();
  const ContainerCreate expected = rich_create();
  const ContainerCreate& got = inspect->config;
  // Field groups first, for readable failures; then the whole value.
  EXPECT_EQ(got.cmd, expected.cmd);
  EXPECT_EQ(got.entrypoint, expected.entrypoint);
  EXPECT_EQ(got.healthcheck, expected.healthcheck);
  EXPECT_EQ(got.port_bindings, expected.port_bindings);
  EXPECT_EQ(got.mounts, expected.mounts);
  EXPECT_EQ(got.networks, expected.networks);
  EXPECT_EQ(got.resources, expected.resources);
  EXPECT_EQ(got.device_requests, expected.device_requests);
  EXPECT_EQ(got.ulimits, expected.ulimits);
  EXPECT_EQ(got, expected);
}

TEST(WireContainerInspect, ReadsIdentityAndStateOfACreatedContainer) {
  const Result<ContainerInspect> inspect = decode_container_inspect(kInspectCreated);
  ASSERT_TRUE(inspect) << inspect.error().describe();
  EXPECT_EQ(inspect->id, "ee517cc84665ca5233e4c5fc1107761faa2b4d73791f940670a1d934ba23a44c");
  EXPECT_EQ(inspect->name, "aicwiretest-web");
  EXPECT_EQ(inspect->image,
            "sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a");
  EXPECT_EQ(inspect->created, "2026-11-29T03:19:40.489750446Z");
  EXPECT_EQ(inspect->state.status, "created");
  EXPECT_FALSE(inspect->state.running);
  EXPECT_EQ(inspect->state.started_at, "0001-01-01T00:00:00Z");
  EXPECT_FALSE(inspect->state.health.has_value());
  EXPECT_TRUE(inspect->published_ports.empty());
  ASSERT_EQ(inspect->mounts.size(), 4u);
  EXPECT_EQ(inspect->mounts[1],
            (MountPoint{"volume", "aicwiretest-vol",
                        "/var/lib/docker/volumes/aicwiretest-vol/_data", "/data", true}));
}

TEST(WireContainerInspect, ReadsStateHealthAddressesAndPublishedPortsOfARunningContainer) {
  const Result<ContainerInspect> inspect = decode_container_inspect(kInspectRunning);
  ASSERT_TRUE(inspect) << inspect.error().describe();
  const ContainerState& state = inspect->state;
  EXPECT_EQ(state.status, "running");
  EXPECT_TRUE(state.running);
  EXPECT_EQ(state.pid, 15689);
  EXPECT_EQ(state.started_at, "2026-11-29T03:20:01.487920875Z");
  ASSERT_TRUE(state.health.has_value());
  EXPECT_EQ(state.health->status, "healthy");
  ASSERT_EQ(state.health->log.size(), 2u);
  EXPECT_EQ(state.health->log[1].end, "2026-11-29T03:20:03.767484921Z");
  EXPECT_EQ(inspect->published_ports, (std::vector<PortBinding>{{"80/tcp", "127.0.0.1", "32769"}}));
  ASSERT_EQ(inspect->network_ips.size(), 2u);
  const NetworkAddress& net = inspect->network_ips.at("aicwiretest-net");
  EXPECT_EQ(net.ip_address, "172.31.250.128");
  EXPECT_EQ(net.gateway, "172.31.250.1");
  EXPECT_EQ(net.mac_address, "02:42:ac:1f:fa:80");
  EXPECT_EQ(net.network_id, "dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40");
  EXPECT_EQ(net.aliases, (std::vector<std::string>{"runner", "653465ffe9cb"}));
  EXPECT_EQ(inspect->network_ips.at("aicwiretest-net2").ip_address, "172.18.0.2");
}

TEST(WireContainerInspect, DropsTheShortIdAliasTheEngineAddsFromTheConfig) {
  const Result<ContainerInspect> inspect = decode_container_inspect(kInspectRunning);
  ASSERT_TRUE(inspect) << inspect.error().describe();
  ASSERT_EQ(inspect->config.networks.size(), 2u);
  EXPECT_EQ(inspect->config.networks[0].name, "aicwiretest-net");
  EXPECT_EQ(inspect->config.networks[0].endpoint.aliases, (std::vector<std::string>{"runner"}));
  EXPECT_EQ(inspect->config.networks[1].endpoint.aliases, (std::vector<std::string>{"r2"}));
}

TEST(WireContainerInspect, ReadsNullListsAsEmptyAndNullEntrypointAsUnset) {
  const Result<ContainerInspect> inspect = decode_container_inspect(kInspectRunning);
  ASSERT_TRUE(inspect) << inspect.error().describe();
  const ContainerCreate& c = inspect->config;
  EXPECT_TRUE(c.env.empty());
  EXPECT_TRUE(c.binds.empty());
  EXPECT_TRUE(c.cap_add.empty());
  EXPECT_TRUE(c.devices.empty());
  EXPECT_EQ(c.resources.pids_limit, 0);
  EXPECT_FALSE(c.entrypoint.has_value());
  EXPECT_FALSE(c.init.has_value());
  EXPECT_FALSE(c.stop_timeout_s.has_value());
  ASSERT_TRUE(c.cmd.has_value());
  EXPECT_EQ(*c.cmd, (std::vector<std::string>{"/bin/busybox", "sleep", "300"}));
  EXPECT_EQ(c.healthcheck,
            (HealthConfig{{"CMD", "/bin/busybox", "true"}, 1'000'000'000, 0, 0, 0, 2}));
}

TEST(WireContainerInspect, ReadsAnEmptyEntrypointAsExplicitlyEmpty) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"Id": "abc", "Config": {"Entrypoint": [], "Cmd": null}})");
  ASSERT_TRUE(inspect) << inspect.error().describe();
  EXPECT_EQ(inspect->config.entrypoint, std::vector<std::string>{});
  EXPECT_FALSE(inspect->config.cmd.has_value());
}

TEST(WireContainerInspect, PutsTheNetworkNamedByNetworkModeFirst) {
  const Result<ContainerInspect> inspect = decode_container_inspect(R"({
    "Id": "abc", "HostConfig": {"NetworkMode": "zeta"},
    "NetworkSettings": {"Networks": {"alpha": {}, "zeta": {}, "beta": null}}})");
  ASSERT_TRUE(inspect) << inspect.error().describe();
  ASSERT_EQ(inspect->config.networks.size(), 3u);
  EXPECT_EQ(inspect->config.networks[0].name, "zeta");
  EXPECT_EQ(inspect->config.networks[1].name, "alpha");
  EXPECT_EQ(inspect->config.networks[2].name, "beta");
}

TEST(WireContainerInspect, ReadsTheStartErrorOfAContainerThatFailedToStart) {
  const Result<ContainerInspect> inspect = decode_container_inspect(R"({
    "Id": "bf8a01884feb", "Name": "/aicwiretest-run",
    "State": {"Status": "created", "Running": false, "Paused": false, "Restarting": false,
              "OOMKilled": false, "Dead": false, "Pid": 0, "ExitCode": 127,
              "Error": "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: \"sleep\": executable file not found in $PATH: unknown",
              "StartedAt": "0001-01-01T00:00:00Z", "FinishedAt": "0001-01-01T00:00:00Z"}})");
  ASSERT_TRUE(inspect) << inspect.error().describe();
  EXPECT_EQ(inspect->state.exit_code, 127);
  EXPECT_NE(inspect->state.error.find("executable file not found"), std::string::npos);
}

TEST(WireContainerInspect, FailsOnAWrongTypeNamingThePath) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"Id": "abc", "State": {"ExitCode": "1"}})");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(inspect.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(inspect.error().message(), "unexpected engine response: container inspect: "
                                       "State.ExitCode: expected an integer, got string");
}

TEST(WireContainerInspect, FailsOnAnExitCodeThatDoesNotFitAnInt) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"State": {"ExitCode": 4294967296}})");
  ASSERT_FALSE(inspect);
  EXPECT_NE(inspect.error().message().find("State.ExitCode"), std::string::npos);
  EXPECT_NE(inspect.error().message().find("does not fit"), std::string::npos);
}

TEST(WireContainerInspect, FailsOnAWrongTypeInsideAList) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"HostConfig": {"Mounts": [{"Type": "bind"}, {"Target": 5}]}})");
  ASSERT_FALSE(inspect);
  EXPECT_NE(inspect.error().message().find("HostConfig.Mounts[1].Target: expected a string"),
            std::string::npos);
}

TEST(WireContainerList, ReadsSummariesWithoutTheLeadingSlash) {
  const Result<std::vector<ContainerSummary>> list = decode_container_list(R"json([
    {"Id": "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e",
     "Names": ["/aicwiretest-run"], "Image": "aic-test/busybox",
     "ImageID": "sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a",
     "Command": "/bin/busybox sleep 300", "Created": 1795922400,
     "Ports": [{"IP": "127.0.0.1", "PrivatePort": 80, "PublicPort": 32771, "Type": "tcp"}],
     "Labels": {"com.docker.compose.project": "aicwiretest"}, "State": "running",
     "Status": "Up 1 second (healthy)", "HostConfig": {"NetworkMode": "aicwiretest-net"},
     "NetworkSettings": {"Networks": {"aicwiretest-net": {"IPAMConfig": null, "Aliases": null}}},
     "Mounts": [{"Type": "volume", "Name": "aicwiretest-vol", "Destination": "/data", "RW": true}]},
    {"Id": "ee517cc84665ca5233e4c5fc1107761faa2b4d73791f940670a1d934ba23a44c",
     "Names": ["/aicwiretest-web"], "Image": "aic-test/busybox",
     "ImageID": "sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a",
     "Command": "/bin/sh -c 'exec \"$@\"' -- sleep 300", "Created": 1795922380, "Ports": [],
     "Labels": {"com.docker.compose.project": "aicwiretest", "io.aic.config-hash": "abc"},
     "State": "created", "Status": "Created"}])json");
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 2u);
  const ContainerSummary& run = (*list)[0];
  EXPECT_EQ(run.names, std::vector<std::string>{"aicwiretest-run"});
  EXPECT_EQ(run.image, "aic-test/busybox");
  EXPECT_EQ(run.created, 1795922400);
  EXPECT_EQ(run.state, "running");
  EXPECT_EQ(run.status, "Up 1 second (healthy)");
  EXPECT_EQ(run.ports, (std::vector<PortSummary>{{"127.0.0.1", 80, 32771, "tcp"}}));
  EXPECT_EQ(run.labels.at("com.docker.compose.project"), "aicwiretest");
  EXPECT_EQ((*list)[1].command, "/bin/sh -c 'exec \"$@\"' -- sleep 300");
  EXPECT_TRUE((*list)[1].ports.empty());
}

TEST(WireContainerList, ReadsAnEmptyOrNullListAsNoContainers) {
  ASSERT_TRUE(decode_container_list("[]"));
  EXPECT_TRUE(decode_container_list("[]")->empty());
  ASSERT_TRUE(decode_container_list("null"));
  EXPECT_TRUE(decode_container_list("null")->empty());
}

TEST(WireContainerList, FailsWhenTheAnswerIsAnObject) {
  const Result<std::vector<ContainerSummary>> list = decode_container_list(R"({"Id": "x"})");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message(),
            "unexpected engine response: container list: expected an array, got object");
}

TEST(WireCreatedId, ReadsTheIdAndWarningsOfAContainerCreate) {
  const Result<CreatedId> created = decode_created_id(
      R"({"Id":"ee517cc84665ca5233e4c5fc1107761faa2b4d73791f940670a1d934ba23a44c","Warnings":["Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded."]})");
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(created->id, "ee517cc84665ca5233e4c5fc1107761faa2b4d73791f940670a1d934ba23a44c");
  ASSERT_EQ(created->warnings.size(), 1u);
  EXPECT_NE(created->warnings[0].find("Block I/O weight"), std::string::npos);
}

TEST(WireCreatedId, ReadsTheSingleWarningOfANetworkCreate) {
  const Result<CreatedId> empty_warning = decode_created_id(
      R"({"Id":"dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40","Warning":""})");
  ASSERT_TRUE(empty_warning) << empty_warning.error().describe();
  EXPECT_TRUE(empty_warning->warnings.empty());
  const Result<CreatedId> warning = decode_created_id(R"({"Id":"n1","Warning":"careful"})");
  ASSERT_TRUE(warning);
  EXPECT_EQ(warning->warnings, std::vector<std::string>{"careful"});
}

TEST(WireCreatedId, ReadsTheIdOfAnExecCreateWithNoWarnings) {
  const Result<CreatedId> created = decode_created_id(
      R"({"Id":"90bf8cb5544d7ec727fc59d58af70317c76451d6e9eb55af7ecf41ee5d08c645"})");
  ASSERT_TRUE(created);
  EXPECT_TRUE(created->warnings.empty());
}

TEST(WireCreatedId, FailsWhenTheIdIsMissing) {
  const Result<CreatedId> created = decode_created_id(R"({"Warnings": null})");
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().message(), "unexpected engine response: create: Id: missing");
}

TEST(WireContainerWait, ReadsTheExitStatus) {
  const Result<ContainerWait> wait = decode_container_wait(R"({"Error":null,"StatusCode":137})");
  ASSERT_TRUE(wait) << wait.error().describe();
  EXPECT_EQ(*wait, (ContainerWait{137, ""}));
}

TEST(WireContainerWait, ReadsTheErrorMessageOfAFailedStart) {
  const Result<ContainerWait> wait = decode_container_wait(
      R"({"Error":{"Message":"failed to create shim task: exec: \"sleep\": executable file not found in $PATH: unknown"},"StatusCode":127})");
  ASSERT_TRUE(wait) << wait.error().describe();
  EXPECT_EQ(wait->status_code, 127);
  EXPECT_EQ(wait->error_message,
            "failed to create shim task: exec: \"sleep\": executable file not found in $PATH: "
            "unknown");
}

TEST(WireContainerTop, ReadsTitlesAndProcesses) {
  const Result<ContainerTop> top = decode_container_top(
      R"({"Processes":[["root","15689","15668","0","03:20","?","00:00:00","/bin/busybox sleep 300"],["root","15900","15668","4","03:20","?","00:00:00","/bin/sh -c /bin/busybox sleep 2; exit 3"]],"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"]})");
  ASSERT_TRUE(top) << top.error().describe();
  EXPECT_EQ(top->titles.size(), 8u);
  EXPECT_EQ(top->titles[7], "CMD");
  ASSERT_EQ(top->processes.size(), 2u);
  EXPECT_EQ(top->processes[1][7], "/bin/sh -c /bin/busybox sleep 2; exit 3");
}

TEST(WireContainerTop, FailsOnANumberWhereAProcessFieldIsExpected) {
  const Result<ContainerTop> top = decode_container_top(R"({"Titles":["PID"],"Processes":[[1]]})");
  ASSERT_FALSE(top);
  EXPECT_NE(top.error().message().find("Processes[0][0]: expected a string, got number"),
            std::string::npos);
}

} // namespace
} // namespace aic::engine
