// Networks, volumes, exec instances and images: request bodies and the engine's answers. The
// fixtures are trimmed answers of a real Engine 20.10 (API 1.41).

#include "engine/wire.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace aic::engine {
namespace {

using nlohmann::json;

constexpr ApiVersion kApi141{1, 41};
constexpr ApiVersion kApi144{1, 44};

const char* const kNetworkInspect = R"json({
 "Name": "aicwiretest-net",
 "Id": "dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40",
 "Created": "2026-11-29T03:19:39.83037584Z",
 "Scope": "local",
 "Driver": "bridge",
 "EnableIPv6": false,
 "IPAM": {
  "Driver": "default",
  "Options": {
   "foo": "bar"
  },
  "Config": [
   {
    "Subnet": "172.31.250.0/24",
    "IPRange": "172.31.250.128/25",
    "Gateway": "172.31.250.1",
    "AuxiliaryAddresses": {
     "host1": "172.31.250.5"
    }
   }
  ]
 },
 "Internal": false,
 "Attachable": true,
 "Ingress": false,
 "ConfigFrom": {
  "Network": ""
 },
 "ConfigOnly": false,
 "Containers": {
  "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e": {
   "Name": "aicwiretest-run",
   "EndpointID": "8e5d05fbd2578b8d53dc8327607d8e170a93b380b627c603af34aa7130d6246b",
   "MacAddress": "02:42:ac:1f:fa:80",
   "IPv4Address": "172.31.250.128/24",
   "IPv6Address": ""
  }
 },
 "Options": {
  "com.docker.network.bridge.enable_icc": "true"
 },
 "Labels": {
  "com.docker.compose.project": "aicwiretest"
 }
})json";

const char* const kImageInspect = R"json({
 "Id": "sha256:46e55efe018792d1a820e79c6da1aae5c30e0f79de226bef6bb9c8ce799c9cad",
 "RepoTags": [
  "aicwiretest/rich:latest"
 ],
 "RepoDigests": [],
 "Parent": "sha256:f331ddcca0c3858578c9f5aca65a5945c40c2d3f03be8052be81e1890a26e3c8",
 "Created": "2026-11-29T03:20:32.658845855Z",
 "Config": {
  "Hostname": "a066923c590b",
  "Domainname": "",
  "User": "1000",
  "AttachStdin": false,
  "AttachStdout": true,
  "AttachStderr": true,
  "ExposedPorts": {
   "53/udp": {},
   "80/tcp": {}
  },
  "Tty": false,
  "OpenStdin": false,
  "StdinOnce": false,
  "Env": [
   "PATH=/bin",
   "FOO=bar"
  ],
  "Cmd": [
   "-c",
   "echo hi"
  ],
  "Healthcheck": {
   "Test": [
    "CMD",
    "/bin/busybox",
    "true"
   ],
   "Interval": 5000000000,
   "Timeout": 2000000000,
   "StartPeriod": 1000000000,
   "Retries": 3
  },
  "Image": "aic-test/busybox",
  "Volumes": {
   "/data": {}
  },
  "WorkingDir": "/srv",
  "Entrypoint": [
   "/bin/sh"
  ],
  "OnBuild": null,
  "Labels": {
   "io.aic.test.image": "busybox-v1",
   "org.example": "x"
  }
 },
 "Architecture": "amd64",
 "Os": "linux",
 "Size": 1985609,
 "VirtualSize": 1985609
})json";

// --- networks ---

NetworkCreate project_network() {
  NetworkCreate network;
  network.name = "aicwiretest-net";
  network.driver = "bridge";
  network.attachable = true;
  network.labels = {{"com.docker.compose.project", "aicwiretest"}};
  network.options = {{"com.docker.network.bridge.enable_icc", "true"}};
  network.ipam = {
      "default",
      {{"foo", "bar"}},
      {{"172.31.250.0/24", "172.31.250.128/25", "172.31.250.1", {{"host1", "172.31.250.5"}}}}};
  network.check_duplicate = true;
  return network;
}

TEST(WireNetworkCreate, EncodesNameDriverFlagsLabelsAndIpam) {
  EXPECT_EQ(json::parse(encode_network_create(project_network(), kApi141)), json::parse(R"({
    "Name": "aicwiretest-net", "Driver": "bridge", "Attachable": true,
    "Labels": {"com.docker.compose.project": "aicwiretest"},
    "Options": {"com.docker.network.bridge.enable_icc": "true"},
    "IPAM": {"Driver": "default", "Options": {"foo": "bar"},
             "Config": [{"Subnet": "172.31.250.0/24", "IPRange": "172.31.250.128/25",
                         "Gateway": "172.31.250.1",
                         "AuxiliaryAddresses": {"host1": "172.31.250.5"}}]},
    "CheckDuplicate": true})"));
}

TEST(WireNetworkCreate, SendsCheckDuplicateOnlyBelowApi144) {
  EXPECT_FALSE(
      json::parse(encode_network_create(project_network(), kApi144)).contains("CheckDuplicate"));
}

TEST(WireNetworkCreate, SendsOnlyTheNameOfADefaultNetwork) {
  NetworkCreate network;
  network.name = "demo_default";
  EXPECT_EQ(json::parse(encode_network_create(network, kApi141)),
            json::parse(R"({"Name": "demo_default"})"));
}

TEST(WireNetworkCreate, SendsInternalAndIpv6Flags) {
  NetworkCreate network;
  network.name = "n";
  network.internal = true;
  network.enable_ipv6 = true;
  EXPECT_EQ(json::parse(encode_network_create(network, kApi141)),
            json::parse(R"({"Name": "n", "Internal": true, "EnableIPv6": true})"));
}

TEST(WireNetworkConnect, EncodesTheContainerAndItsEndpoint) {
  NetworkEndpoint endpoint;
  endpoint.aliases = {"db", "postgres"};
  endpoint.ipv4_address = "172.31.250.20";
  endpoint.ipv6_address = "fd00::20";
  endpoint.links = {"cache:redis"};
  endpoint.mac_address = "02:42:ac:1f:fa:99";
  endpoint.driver_opts = {{"k", "v"}};
  EXPECT_EQ(json::parse(encode_network_connect("web-1", endpoint)), json::parse(R"({
    "Container": "web-1",
    "EndpointConfig": {"Aliases": ["db", "postgres"],
                       "IPAMConfig": {"IPv4Address": "172.31.250.20", "IPv6Address": "fd00::20"},
                       "Links": ["cache:redis"], "MacAddress": "02:42:ac:1f:fa:99",
                       "DriverOpts": {"k": "v"}}})"));
}

TEST(WireNetworkConnect, SendsAnEmptyEndpointConfigWhenNothingIsAsked) {
  EXPECT_EQ(json::parse(encode_network_connect("abc", NetworkEndpoint{})),
            json::parse(R"({"Container": "abc", "EndpointConfig": {}})"));
}

TEST(WireNetworkInspect, ReadsConfigurationAndAttachedContainers) {
  const Result<NetworkInspect> network = decode_network_inspect(kNetworkInspect);
  ASSERT_TRUE(network) << network.error().describe();
  EXPECT_EQ(network->id, "dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40");
  EXPECT_EQ(network->name, "aicwiretest-net");
  EXPECT_EQ(network->driver, "bridge");
  EXPECT_EQ(network->scope, "local");
  EXPECT_FALSE(network->internal);
  EXPECT_TRUE(network->attachable);
  EXPECT_FALSE(network->enable_ipv6);
  EXPECT_EQ(network->labels, project_network().labels);
  EXPECT_EQ(network->options, project_network().options);
  EXPECT_EQ(network->ipam, project_network().ipam);
  ASSERT_EQ(network->containers.size(), 1u);
  EXPECT_EQ(
      network->containers.at("653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e"),
      (NetworkContainer{"aicwiretest-run", "172.31.250.128/24", "", "02:42:ac:1f:fa:80"}));
}

TEST(WireNetworkList, ReadsEveryNetworkWithNullIpamOptions) {
  const Result<std::vector<NetworkInspect>> list = decode_network_list(
      R"([{"Name":"none","Id":"c0713c79a9a2","Scope":"local","Driver":"null","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[]},"Internal":false,"Attachable":false,"Containers":{},"Options":{},"Labels":{}},
          {"Name":"aicwiretest-net2","Id":"9908d77f47c1","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":null,"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":true,"Attachable":false,"Containers":{},"Options":{},"Labels":{}}])");
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "none");
  EXPECT_TRUE((*list)[0].ipam.options.empty());
  EXPECT_TRUE((*list)[1].internal);
  EXPECT_EQ((*list)[1].ipam.config,
            (std::vector<IpamPool>{{"172.18.0.0/16", "", "172.18.0.1", {}}}));
}

// --- volumes ---

TEST(WireVolumeCreate, EncodesNameDriverOptionsAndLabels) {
  const VolumeCreate volume{"aicwiretest-vol",
                            "local",
                            {{"type", "tmpfs"}, {"device", "tmpfs"}, {"o", "size=10m"}},
                            {{"com.docker.compose.project", "aicwiretest"}}};
  EXPECT_EQ(json::parse(encode_volume_create(volume)), json::parse(R"({
    "Name": "aicwiretest-vol", "Driver": "local",
    "DriverOpts": {"device": "tmpfs", "o": "size=10m", "type": "tmpfs"},
    "Labels": {"com.docker.compose.project": "aicwiretest"}})"));
}

TEST(WireVolumeCreate, SendsAnEmptyObjectForAnAnonymousVolume) {
  EXPECT_EQ(encode_volume_create(VolumeCreate{}), "{}");
}

const VolumeInspect kProjectVolume{"aicwiretest-vol",
                                   "local",
                                   "/var/lib/docker/volumes/aicwiretest-vol/_data",
                                   {{"com.docker.compose.project", "aicwiretest"}},
                                   {{"device", "tmpfs"}, {"o", "size=10m"}, {"type", "tmpfs"}},
                                   "local",
                                   "2026-11-29T03:19:40Z"};

TEST(WireVolumeInspect, ReadsAVolume) {
  const Result<VolumeInspect> volume = decode_volume_inspect(
      R"({"CreatedAt":"2026-11-29T03:19:40Z","Driver":"local","Labels":{"com.docker.compose.project":"aicwiretest"},"Mountpoint":"/var/lib/docker/volumes/aicwiretest-vol/_data","Name":"aicwiretest-vol","Options":{"device":"tmpfs","o":"size=10m","type":"tmpfs"},"Scope":"local"})");
  ASSERT_TRUE(volume) << volume.error().describe();
  EXPECT_EQ(*volume, kProjectVolume);
}

TEST(WireVolumeList, ReadsTheVolumesMember) {
  const Result<std::vector<VolumeInspect>> list = decode_volume_list(
      R"({"Volumes":[{"CreatedAt":"2026-11-29T03:19:40Z","Driver":"local","Labels":{"com.docker.compose.project":"aicwiretest"},"Mountpoint":"/var/lib/docker/volumes/aicwiretest-vol/_data","Name":"aicwiretest-vol","Options":{"device":"tmpfs","o":"size=10m","type":"tmpfs"},"Scope":"local"}],"Warnings":null})");
  ASSERT_TRUE(list) << list.error().describe();
  EXPECT_EQ(*list, std::vector<VolumeInspect>{kProjectVolume});
}

TEST(WireVolumeList, ReadsNullVolumesAndNullLabelsAsEmpty) {
  const Result<std::vector<VolumeInspect>> none =
      decode_volume_list(R"({"Volumes":null,"Warnings":null})");
  ASSERT_TRUE(none) << none.error().describe();
  EXPECT_TRUE(none->empty());
  const Result<std::vector<VolumeInspect>> one =
      decode_volume_list(R"({"Volumes":[{"Name":"v","Labels":null,"Options":null}]})");
  ASSERT_TRUE(one) << one.error().describe();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_TRUE((*one)[0].labels.empty());
}

TEST(WireVolumeList, FailsWhenTheAnswerIsABareArray) {
  const Result<std::vector<VolumeInspect>> list = decode_volume_list("[]");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message(),
            "unexpected engine response: volume list: expected an object, got array");
}

// --- exec ---

TEST(WireExecCreate, EncodesCommandEnvironmentAndStreams) {
  ExecCreate exec;
  exec.cmd = {"/bin/sh", "-c", "exit 3"};
  exec.env = {"X=1"};
  exec.user = "1000";
  exec.working_dir = "/";
  exec.tty = true;
  exec.attach_stdin = true;
  exec.attach_stdout = true;
  exec.attach_stderr = true;
  exec.privileged = true;
  exec.detach_keys = "ctrl-x";
  EXPECT_EQ(json::parse(encode_exec_create(exec)), json::parse(R"({
    "Cmd": ["/bin/sh", "-c", "exit 3"], "Env": ["X=1"], "User": "1000", "WorkingDir": "/",
    "Tty": true, "AttachStdin": true, "AttachStdout": true, "AttachStderr": true,
    "Privileged": true, "DetachKeys": "ctrl-x"})"));
}

TEST(WireExecCreate, SendsOnlyTheCommandWhenNothingElseIsSet) {
  ExecCreate exec;
  exec.cmd = {"true"};
  EXPECT_EQ(encode_exec_create(exec), R"({"Cmd":["true"]})");
}

TEST(WireExecInspect, ReadsTheExitCodeOfAFinishedExec) {
  const Result<ExecInspect> exec = decode_exec_inspect(
      R"({"ID":"90bf8cb5544d7ec727fc59d58af70317c76451d6e9eb55af7ecf41ee5d08c645","Running":false,"ExitCode":3,"ProcessConfig":{"tty":false,"entrypoint":"/bin/sh","arguments":["-c","/bin/busybox sleep 2; exit 3"],"privileged":false},"OpenStdin":false,"OpenStderr":true,"OpenStdout":true,"CanRemove":false,"ContainerID":"653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e","DetachKeys":"","Pid":15900})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_EQ(*exec, (ExecInspect{"90bf8cb5544d7ec727fc59d58af70317c76451d6e9eb55af7ecf41ee5d08c645",
                                "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e",
                                false, 3, 15900}));
}

TEST(WireExecInspect, ReadsWhetherTheExecHasATty) {
  const Result<ExecInspect> exec = decode_exec_inspect(
      R"({"ID":"e","Running":true,"ProcessConfig":{"tty":true,"entrypoint":"sh"},"Pid":7})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_TRUE(exec->tty);
}

TEST(WireExecInspect, HasNoExitCodeWhileRunning) {
  const Result<ExecInspect> exec = decode_exec_inspect(
      R"({"ID":"90bf8cb5544d","Running":true,"ExitCode":null,"ContainerID":"653465ffe9cb","Pid":15900})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_TRUE(exec->running);
  EXPECT_FALSE(exec->exit_code.has_value());
}

TEST(WireExecInspect, HasNoExitCodeBeforeItStarts) {
  const Result<ExecInspect> exec =
      decode_exec_inspect(R"({"ID":"90bf8cb5544d","Running":false,"ExitCode":null,"Pid":0})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_FALSE(exec->exit_code.has_value());
  EXPECT_EQ(exec->pid, 0);
}

TEST(WireExecInspect, IgnoresAZeroExitCodeReportedWhileRunning) {
  const Result<ExecInspect> exec =
      decode_exec_inspect(R"({"ID":"e","Running":true,"ExitCode":0,"Pid":7})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_FALSE(exec->exit_code.has_value());
}

// --- images ---

TEST(WireImageList, ReadsSummariesWithNullDigestsAndLabels) {
  const Result<std::vector<ImageSummary>> list = decode_image_list(
      R"([{"Containers":-1,"Created":1795922365,"Id":"sha256:c8ed19603366302a568c076a2a5566f70d97f25389cc5ec3bd703a2e55a8265c","Labels":{},"ParentId":"sha256:9239999d32b1","RepoDigests":null,"RepoTags":["aicwiretest/epimg:latest"],"SharedSize":-1,"Size":1982263,"VirtualSize":1982263},
          {"Containers":-1,"Created":1795922362,"Id":"sha256:9239999d32b106efd45e572c4bbac8ac37c18b5f46e699ca1dcf37b5eed3514a","Labels":null,"ParentId":"","RepoDigests":null,"RepoTags":["aic-test/busybox:latest"],"SharedSize":-1,"Size":1982263,"VirtualSize":1982263}])");
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0],
            (ImageSummary{"sha256:c8ed19603366302a568c076a2a5566f70d97f25389cc5ec3bd703a2e55a8265c",
                          {"aicwiretest/epimg:latest"},
                          {},
                          1795922365,
                          1982263,
                          {}}));
  EXPECT_TRUE((*list)[1].labels.empty());
}

TEST(WireImageInspect, ReadsTheImageDefaults) {
  const Result<ImageInspect> image = decode_image_inspect(kImageInspect);
  ASSERT_TRUE(image) << image.error().describe();
  EXPECT_EQ(image->id, "sha256:46e55efe018792d1a820e79c6da1aae5c30e0f79de226bef6bb9c8ce799c9cad");
  EXPECT_EQ(image->repo_tags, std::vector<std::string>{"aicwiretest/rich:latest"});
  EXPECT_TRUE(image->repo_digests.empty());
  EXPECT_EQ(image->created, "2026-11-29T03:20:32.658845855Z");
  EXPECT_EQ(image->architecture, "amd64");
  EXPECT_EQ(image->os, "linux");
  EXPECT_EQ(image->size_bytes, 1985609);
  ImageConfig expected;
  expected.env = {"PATH=/bin", "FOO=bar"};
  expected.cmd = std::vector<std::string>{"-c", "echo hi"};
  expected.entrypoint = std::vector<std::string>{"/bin/sh"};
  expected.labels = {{"io.aic.test.image", "busybox-v1"}, {"org.example", "x"}};
  expected.exposed_ports = {"53/udp", "80/tcp"};
  expected.user = "1000";
  expected.working_dir = "/srv";
  expected.healthcheck = HealthConfig{
      {"CMD", "/bin/busybox", "true"}, 5'000'000'000, 2'000'000'000, 1'000'000'000, 0, 3};
  expected.volumes = {"/data"};
  EXPECT_EQ(image->config, expected);
}

TEST(WireImageInspect, ReadsAnImageWithoutDefaults) {
  const Result<ImageInspect> image = decode_image_inspect(
      R"({"Id":"sha256:1","RepoTags":[],"RepoDigests":[],"Config":{"Env":null,"Cmd":null,"Entrypoint":null,"Volumes":null,"ExposedPorts":null,"Labels":null,"OnBuild":null}})");
  ASSERT_TRUE(image) << image.error().describe();
  EXPECT_EQ(image->config, ImageConfig{});
}

TEST(WireProgressMessage, ReadsPullProgressOfALayer) {
  const Result<ProgressMessage> message = decode_progress_message(
      R"({"status":"Downloading","progressDetail":{"current":1048576,"total":31357311},"progress":"[=>    ]  1.049MB/31.36MB","id":"a2abf6c4d29d"})");
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_EQ(message->id, "a2abf6c4d29d");
  EXPECT_EQ(message->status, "Downloading");
  EXPECT_EQ(message->current, 1048576);
  EXPECT_EQ(message->total, 31357311);
  EXPECT_EQ(message->progress, "[=>    ]  1.049MB/31.36MB");
  EXPECT_FALSE(message->is_error());
}

TEST(WireProgressMessage, ReadsAnEmptyProgressDetail) {
  const Result<ProgressMessage> message =
      decode_progress_message(R"({"status":"Pull complete","progressDetail":{},"id":"a2ab"})");
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_EQ(message->total, 0);
}

TEST(WireProgressMessage, ReadsBuildOutputText) {
  const Result<ProgressMessage> message =
      decode_progress_message(R"({"stream":" ---\u003e Running in abd90641ecc0\n"})");
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_EQ(message->stream, " ---> Running in abd90641ecc0\n");
}

TEST(WireProgressMessage, ReadsTheBuiltImageIdFromAux) {
  const Result<ProgressMessage> message = decode_progress_message(
      R"({"aux":{"ID":"sha256:35744ceccbc8fe06b0dc41bf961c67d0a794c43dc3ab248574342ef47af24fa0"}})");
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_EQ(message->aux_id,
            "sha256:35744ceccbc8fe06b0dc41bf961c67d0a794c43dc3ab248574342ef47af24fa0");
}

TEST(WireProgressMessage, IgnoresAuxOfOtherShapes) {
  const Result<ProgressMessage> trace =
      decode_progress_message(R"({"id":"moby.buildkit.trace","aux":"CmQKR3NoYTI1Ng=="})");
  ASSERT_TRUE(trace) << trace.error().describe();
  EXPECT_EQ(trace->aux_id, "");
  const Result<ProgressMessage> push = decode_progress_message(
      R"({"progressDetail":{},"aux":{"Tag":"latest","Digest":"sha256:1","Size":528}})");
  ASSERT_TRUE(push) << push.error().describe();
  EXPECT_EQ(push->aux_id, "");
}

TEST(WireProgressMessage, ReadsAFailedBuildStepAsAnError) {
  const Result<ProgressMessage> message = decode_progress_message(
      R"({"errorDetail":{"code":1,"message":"The command '/bin/busybox false' returned a non-zero code: 1"},"error":"The command '/bin/busybox false' returned a non-zero code: 1"})");
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_TRUE(message->is_error());
  EXPECT_EQ(message->error_message, "The command '/bin/busybox false' returned a non-zero code: 1");
}

TEST(WireProgressMessage, PrefersErrorDetailOverError) {
  const Result<ProgressMessage> message =
      decode_progress_message(R"({"errorDetail":{"message":"detail"},"error":"short"})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->error_message, "detail");
}

TEST(WireProgressMessage, ReadsAnErrorWithoutDetail) {
  const Result<ProgressMessage> message =
      decode_progress_message(R"({"error":"manifest for x:latest not found"})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->error_message, "manifest for x:latest not found");
}

TEST(WireProgressMessage, TreatsAnErrorWithoutAMessageAsAnError) {
  const Result<ProgressMessage> message = decode_progress_message(R"({"errorDetail":{}})");
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->is_error());
}

} // namespace
} // namespace aic::engine
