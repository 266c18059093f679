#include "../compose/loader_test_support.hpp"
#include "plan/container_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::plan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ContainerConfig : public compose::testing::ProjectFixture {
protected:
  void SetUp() override {
    ctx.project = "p";
    ctx.service = "web";
    ctx.container_name = "p-web-1";
    ctx.network_names = {{"default", "p_default"}};
  }

  compose::Node model_of(const std::string& yaml) {
    file("compose.yaml", yaml);
    Result<compose::LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << "load failed: " << loaded.error().describe();
      return {};
    }
    return loaded->model;
  }

  engine::ContainerCreate create(const std::string& yaml, std::string_view service = "web") {
    compose::Node model = model_of(yaml);
    Result<engine::ContainerCreate> c = container_create(model, service, ctx);
    if (!c) {
      ADD_FAILURE() << "create failed: " << c.error().describe();
      return {};
    }
    return *c;
  }

  Error create_error(const std::string& yaml, std::string_view service = "web") {
    compose::Node model = model_of(yaml);
    Result<engine::ContainerCreate> c = container_create(model, service, ctx);
    if (c) {
      ADD_FAILURE() << "create unexpectedly succeeded";
      return Error(ErrorCode::Internal, "");
    }
    return c.error();
  }

  std::vector<std::string> unsupported(const std::string& yaml, std::string_view service = "web") {
    return unsupported_keys(model_of(yaml), service);
  }

  ContainerContext ctx;
};

// --- image, command, environment, labels -------------------------------------------------------

TEST_F(ContainerConfig, UsesTheImageAndTheContainerNameAndPlatform) {
  engine::ContainerCreate c = create(R"(
services:
  web: {image: nginx:1.27, platform: linux/arm64}
)");
  EXPECT_EQ(c.image, "nginx:1.27");
  EXPECT_EQ(c.name, "p-web-1");
  EXPECT_EQ(c.platform, "linux/arm64");
  EXPECT_TRUE(c.attach_stdout);
  EXPECT_TRUE(c.attach_stderr);
}

TEST_F(ContainerConfig, NamesTheBuiltImageAfterProjectAndServiceWhenOnlyBuildIsGiven) {
  EXPECT_EQ(create("services:\n  web: {build: .}\n").image, "p-web");
}

TEST_F(ContainerConfig, LeavesCommandAndEntrypointToTheImageWhenNotSet) {
  engine::ContainerCreate c = create("services:\n  web: {image: x, command: null}\n");
  EXPECT_FALSE(c.cmd.has_value());
  EXPECT_FALSE(c.entrypoint.has_value());
}

TEST_F(ContainerConfig, SplitsStringCommandsAndSendsAnEmptyEntrypointAsAnEmptyList) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    command: serve --port "8080"
    entrypoint: []
)");
  EXPECT_EQ(c.cmd, (std::vector<std::string>{"serve", "--port", "8080"}));
  ASSERT_TRUE(c.entrypoint.has_value());
  EXPECT_THAT(*c.entrypoint, IsEmpty());
  EXPECT_EQ(create("services:\n  web: {image: x, entrypoint: \"\"}\n").entrypoint,
            std::vector<std::string>{});
}

TEST_F(ContainerConfig, WritesEnvironmentSortedAndLeavesOutVariablesWithoutAValue) {
  file("web.env", "FROM_FILE=1\nB=from-file\n");
  options.environment["SET_IN_SHELL"] = "shell";
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    env_file: web.env
    environment:
      B: explicit
      A: "1"
      UNSET:
      SET_IN_SHELL:
      EMPTY: ""
)");
  EXPECT_THAT(c.env,
              ElementsAre("A=1", "B=explicit", "EMPTY=", "FROM_FILE=1", "SET_IN_SHELL=shell"));
}

TEST_F(ContainerConfig, CopiesOnlyTheServiceLabels) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    labels: [tier=front, flag]
)");
  EXPECT_EQ(c.labels, (std::map<std::string, std::string>{{"flag", ""}, {"tier", "front"}}));
}

// --- ports ---------------------------------------------------------------------------------------

TEST_F(ContainerConfig, PublishesPortsWithHostAddressProtocolAndHostRanges) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    ports:
      - "127.0.0.1:8080:80"
      - "9000-9010:9000/udp"
      - "443"
      - {target: 53, published: "5353", protocol: UDP, host_ip: "::1"}
)");
  EXPECT_THAT(c.port_bindings, ElementsAre(engine::PortBinding{"80/tcp", "127.0.0.1", "8080"},
                                           engine::PortBinding{"9000/udp", "", "9000-9010"},
                                           engine::PortBinding{"443/tcp", "", ""},
                                           engine::PortBinding{"53/udp", "::1", "5353"}));
}

TEST_F(ContainerConfig, PairsContainerPortRangesOneToOneAndExposesExposeRanges) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    ports: ["8000-8001:80-81"]
    expose: ["3000", "4000-4002/udp", 5000]
)");
  EXPECT_THAT(c.port_bindings, ElementsAre(engine::PortBinding{"80/tcp", "", "8000"},
                                           engine::PortBinding{"81/tcp", "", "8001"}));
  EXPECT_THAT(c.exposed_ports,
              ElementsAre("3000/tcp", "4000/udp", "4001/udp", "4002/udp", "5000/tcp"));
}

TEST_F(ContainerConfig, RejectsAMalformedHostAddressOrExposedPortNamingTheKey) {
  Error e = create_error(R"(
services:
  web:
    image: x
    ports: [{target: 80, host_ip: "not-an-ip"}]
    expose: ["70000"]
)");
  EXPECT_EQ(e.code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(e.describe(), HasSubstr("services.web.ports[0].host_ip: invalid IP address"));
  EXPECT_THAT(e.describe(), HasSubstr("services.web.expose[0]: invalid port \"70000\""));
}

// --- volumes, secrets, configs -------------------------------------------------------------------

TEST_F(ContainerConfig, MountsShortSyntaxBindsAsBindStringsThatCreateTheHostPath) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes:
      - ./data:/data
      - /etc/conf:/conf:ro,z
      - type: bind
        source: ./logs
        target: /logs
        bind: {propagation: rshared}
      - {type: bind, source: /srv, target: /srv, read_only: true}
)");
  EXPECT_THAT(c.binds, ElementsAre("/p/data:/data:rw", "/etc/conf:/conf:ro,z",
                                   "/p/logs:/logs:rw,rshared", "/srv:/srv:ro"));
  EXPECT_THAT(c.mounts, IsEmpty());
}

TEST_F(ContainerConfig, UsesTheMountApiForABindThatMustNotCreateItsHostPath) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes:
      - type: bind
        source: ./models
        target: /models
        read_only: true
        bind: {create_host_path: false}
)");
  EXPECT_THAT(c.binds, IsEmpty());
  EXPECT_THAT(c.mounts,
              ElementsAre(engine::MountConfig{
                  .type = "bind", .source = "/p/models", .target = "/models", .read_only = true}));
}

TEST_F(ContainerConfig, NamesVolumesThroughTheContextAndMountsAnonymousOnes) {
  ctx.volume_names = {{"data", "renamed_data"}};
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes:
      - data:/data
      - cache:/cache:ro
      - /scratch
      - type: volume
        source: cache
        target: /nocopy
        volume: {nocopy: true}
volumes:
  data: {}
  cache: {name: shared-cache}
)");
  EXPECT_THAT(c.binds, ElementsAre("renamed_data:/data:rw", "shared-cache:/cache:ro"));
  EXPECT_THAT(c.mounts, ElementsAre(engine::MountConfig{.type = "volume", .target = "/scratch"},
                                    engine::MountConfig{.type = "volume",
                                                        .source = "shared-cache",
                                                        .target = "/nocopy",
                                                        .volume_no_copy = true}));
}

TEST_F(ContainerConfig, MountsTmpfsWithSizeAndModeAndTheTmpfsKeyWithItsOptions) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    tmpfs: ["/run:rw,size=1m", /tmp]
    volumes:
      - type: tmpfs
        target: /cache
        tmpfs: {size: 64m, mode: 01777}
)");
  EXPECT_THAT(
      c.mounts,
      ElementsAre(engine::MountConfig{
          .type = "tmpfs", .target = "/cache", .tmpfs_size_bytes = 64 << 20, .tmpfs_mode = 01777}));
  EXPECT_EQ(c.tmpfs, (std::map<std::string, std::string>{{"/run", "rw,size=1m"}, {"/tmp", ""}}));
}

TEST_F(ContainerConfig, MountsFileSecretsAndConfigsReadOnlyAtTheirDefaultOrGivenTargets) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    secrets: [token, {source: cert, target: tls.pem}]
    configs: [app, {source: nginx, target: /etc/nginx/nginx.conf}]
secrets:
  token: {file: ./token.txt}
  cert: {file: /certs/cert.pem}
configs:
  app: {file: ./app.toml}
  nginx: {file: ./nginx.conf}
)");
  auto ro_bind = [](std::string source, std::string target) {
    return engine::MountConfig{.type = "bind",
                               .source = std::move(source),
                               .target = std::move(target),
                               .read_only = true};
  };
  EXPECT_THAT(c.mounts, ElementsAre(ro_bind("/p/token.txt", "/run/secrets/token"),
                                    ro_bind("/certs/cert.pem", "/run/secrets/tls.pem"),
                                    ro_bind("/p/app.toml", "/app"),
                                    ro_bind("/p/nginx.conf", "/etc/nginx/nginx.conf")));
}

TEST_F(ContainerConfig, LetsAVolumeOnTheSameTargetWinOverASecret) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes: ["./mine:/run/secrets/token"]
    secrets: [token]
secrets:
  token: {file: ./token.txt}
)");
  EXPECT_THAT(c.binds, ElementsAre("/p/mine:/run/secrets/token:rw"));
  EXPECT_THAT(c.mounts, IsEmpty());
}

TEST_F(ContainerConfig, RefusesSecretsAndConfigsThatAreNotFilesForNow) {
  Error e = create_error(R"(
services:
  web:
    image: x
    secrets: [token]
    configs: [inline]
secrets:
  token: {environment: TOKEN}
configs:
  inline: {content: "hello"}
)");
  EXPECT_EQ(e.code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(e.describe(), HasSubstr("services.web.secrets[0]: secret \"token\" from an "
                                      "environment variable is not supported by aic yet"));
  EXPECT_THAT(
      e.describe(),
      HasSubstr("services.web.configs[0]: config \"inline\" from content is not supported"));
}

TEST_F(ContainerConfig, RefusesExternalSecretsLikeCompose) {
  const std::string yaml = R"(
services:
  web: {image: x, secrets: [vault]}
secrets:
  vault: {external: true}
)";
  EXPECT_THAT(create_error(yaml).describe(),
              HasSubstr("services.web.secrets[0]: external secret \"vault\" is not supported"));
  EXPECT_THAT(unsupported(yaml),
              ElementsAre("services.web.secrets[0]: not supported by aic (external secret "
                          "\"vault\")"));
}

TEST_F(ContainerConfig, UsesTheMountApiForVolumesWithLabels) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes:
      - {type: volume, source: data, target: /d, volume: {labels: {team: ml}}}
volumes:
  data: {}
)");
  EXPECT_THAT(c.binds, IsEmpty());
  EXPECT_THAT(c.mounts, ElementsAre(engine::MountConfig{.type = "volume",
                                                        .source = "p_data",
                                                        .target = "/d",
                                                        .volume_labels = {{"team", "ml"}}}));
}

TEST_F(ContainerConfig, ResolvesVolumesFromServicesAndContainers) {
  ctx.service_containers = {{"data", "abc123"}};
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    volumes_from: ["data:ro", "container:legacy"]
  data: {image: x}
)");
  EXPECT_THAT(c.volumes_from, ElementsAre("abc123:ro", "legacy"));
}

// --- networks ------------------------------------------------------------------------------------

TEST_F(ContainerConfig, JoinsTheDefaultNetworkWithContainerAndServiceAliases) {
  engine::ContainerCreate c = create("services:\n  web: {image: x}\n");
  EXPECT_EQ(c.network_mode, "p_default");
  ASSERT_EQ(c.networks.size(), 1u);
  EXPECT_EQ(c.networks[0].name, "p_default");
  EXPECT_THAT(c.networks[0].endpoint.aliases, ElementsAre("p-web-1", "web"));
}

TEST_F(ContainerConfig, OrdersNetworksByPriorityThenKeyAndListsThemAllWhateverTheApi) {
  ctx.network_names = {{"back", "p_back"}, {"front", "p_front"}};
  ctx.api_minor = 41;
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    networks:
      front:
      back:
      admin: {priority: 100, aliases: [console]}
networks:
  front: {}
  back: {}
  admin: {name: ops}
)");
  ASSERT_EQ(c.networks.size(), 3u);
  EXPECT_EQ(c.networks[0].name, "ops");
  EXPECT_EQ(c.networks[1].name, "p_back");
  EXPECT_EQ(c.networks[2].name, "p_front");
  EXPECT_THAT(c.networks[0].endpoint.aliases, ElementsAre("p-web-1", "web", "console"));
  EXPECT_EQ(c.network_mode, "ops");
}

TEST_F(ContainerConfig, SetsStaticAddressesMacAddressesAndTheInterfaceName) {
  ctx.network_names = {{"lan", "p_lan"}};
  ctx.api_minor = 49;
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    mac_address: "02:42:ac:11:00:02"
    networks:
      lan:
        ipv4_address: 172.28.0.5
        ipv6_address: "2001:db8::5"
        interface_name: eth7
        driver_opts: {mtu: 1400}
networks:
  lan: {}
)");
  ASSERT_EQ(c.networks.size(), 1u);
  const engine::NetworkEndpoint& ep = c.networks[0].endpoint;
  EXPECT_EQ(ep.ipv4_address, "172.28.0.5");
  EXPECT_EQ(ep.ipv6_address, "2001:db8::5");
  EXPECT_EQ(ep.driver_opts, (std::map<std::string, std::string>{
                                {"com.docker.network.endpoint.ifname", "eth7"}, {"mtu", "1400"}}));
  EXPECT_EQ(c.mac_address, "02:42:ac:11:00:02");
}

TEST_F(ContainerConfig, RefusesAnInterfaceNameBeforeApi149AndConflictingMacAddresses) {
  ctx.network_names = {{"lan", "p_lan"}};
  ctx.api_minor = 44;
  Error e = create_error(R"(
services:
  web:
    image: x
    mac_address: "02:42:ac:11:00:02"
    networks:
      lan: {interface_name: eth7, mac_address: "02:42:ac:11:00:03", ipv4_address: 10.0.0.300}
networks:
  lan: {}
)");
  EXPECT_EQ(e.code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(e.details(),
              ElementsAre(HasSubstr("services.web.mac_address: the service-level mac_address "
                                    "should have the same value as network lan"),
                          HasSubstr("services.web.networks.lan.interface_name: interface_name "
                                    "requires Docker Engine 28.1"),
                          HasSubstr("services.web.networks.lan.ipv4_address: invalid IP address")));
}

TEST_F(ContainerConfig, SharesTheNamespacesOfAnotherServicesContainer) {
  ctx.service_containers = {{"vpn", "f00d"}};
  engine::ContainerCreate c = create(R"(
services:
  web: {image: x, network_mode: "service:vpn", ipc: "service:vpn", pid: host}
  vpn: {image: x}
)");
  EXPECT_EQ(c.network_mode, "container:f00d");
  EXPECT_THAT(c.networks, IsEmpty());
  EXPECT_EQ(c.ipc_mode, "container:f00d");
  EXPECT_EQ(c.pid_mode, "host");
}

TEST_F(ContainerConfig, FailsWithNotFoundWhenTheSharedServiceHasNoContainer) {
  Error e = create_error(R"(
services:
  web: {image: x, network_mode: "service:vpn"}
  vpn: {image: x}
)");
  EXPECT_EQ(e.code(), ErrorCode::NotFound);
  EXPECT_THAT(e.message(), HasSubstr("services.web.network_mode: cannot share network namespace "
                                     "with service vpn: container missing"));
}

TEST_F(ContainerConfig, PassesHostNoneAndContainerNetworkModesThrough) {
  EXPECT_EQ(create("services:\n  web: {image: x, network_mode: host}\n").network_mode, "host");
  EXPECT_EQ(create("services:\n  web: {image: x, network_mode: \"container:abc\"}\n").network_mode,
            "container:abc");
}

TEST_F(ContainerConfig, SendsNoLinksAndDoesNotReportThemUnsupported) {
  const std::string yaml = R"(
services:
  web: {image: x, links: ["db:database"]}
  db: {image: x}
)";
  EXPECT_THAT(create(yaml).links, IsEmpty());
  EXPECT_THAT(unsupported(yaml), IsEmpty());
}

// --- restart and healthcheck ---------------------------------------------------------------------

TEST_F(ContainerConfig, MapsRestartWithItsRetryCount) {
  engine::ContainerCreate c = create("services:\n  web: {image: x, restart: \"on-failure:3\"}\n");
  EXPECT_EQ(c.restart_policy, (engine::RestartPolicy{"on-failure", 3}));
  EXPECT_EQ(create("services:\n  web: {image: x, restart: unless-stopped}\n").restart_policy.name,
            "unless-stopped");
  EXPECT_EQ(create("services:\n  web: {image: x}\n").restart_policy.name, "");
}

TEST_F(ContainerConfig, LetsDeployRestartPolicyWinAndMapsSwarmConditions) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    restart: always
    deploy: {restart_policy: {condition: on-failure, max_attempts: 5, delay: 5s}}
)");
  EXPECT_EQ(c.restart_policy, (engine::RestartPolicy{"on-failure", 5}));
  EXPECT_EQ(create("services:\n  web: {image: x, deploy: {restart_policy: {condition: any}}}\n")
                .restart_policy.name,
            "always");
  EXPECT_EQ(create("services:\n  web: {image: x, deploy: {restart_policy: {condition: none}}}\n")
                .restart_policy.name,
            "no");
}

TEST_F(ContainerConfig, ConvertsHealthcheckDurationsToNanosecondsAndStringTestsToCmdShell) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    healthcheck:
      test: curl -f http://localhost/
      interval: 1m30s
      timeout: 500ms
      start_period: 10s
      start_interval: 1s
      retries: 4
)");
  ASSERT_TRUE(c.healthcheck.has_value());
  EXPECT_EQ(c.healthcheck->test,
            (std::vector<std::string>{"CMD-SHELL", "curl -f http://localhost/"}));
  EXPECT_EQ(c.healthcheck->interval_ns, 90'000'000'000);
  EXPECT_EQ(c.healthcheck->timeout_ns, 500'000'000);
  EXPECT_EQ(c.healthcheck->start_period_ns, 10'000'000'000);
  EXPECT_EQ(c.healthcheck->start_interval_ns, 1'000'000'000);
  EXPECT_EQ(c.healthcheck->retries, 4);
  EXPECT_FALSE(create("services:\n  web: {image: x}\n").healthcheck.has_value());
}

TEST_F(ContainerConfig, DisablingTheHealthcheckSendsNone) {
  engine::ContainerCreate c = create(R"(
services:
  web: {image: x, healthcheck: {test: [CMD, "true"], disable: true}}
)");
  ASSERT_TRUE(c.healthcheck.has_value());
  EXPECT_THAT(c.healthcheck->test, ElementsAre("NONE"));
}

TEST_F(ContainerConfig, RefusesAStartIntervalWithoutAStartPeriod) {
  Error e = create_error("services:\n  web: {image: x, healthcheck: {start_interval: 1s}}\n");
  EXPECT_THAT(e.message(), HasSubstr("services.web.healthcheck.start_interval: "
                                     "healthcheck.start_interval requires"));
}

// --- resources and devices -----------------------------------------------------------------------

TEST_F(ContainerConfig, MapsFlatResourceKeys) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    cpus: 1.5
    cpu_shares: 512
    cpu_quota: 50000
    cpu_period: 100000
    cpuset: "0-3"
    mem_limit: 1g
    mem_reservation: 512m
    memswap_limit: -1
    pids_limit: 100
    oom_kill_disable: true
    oom_score_adj: -500
    blkio_config: {weight: 300}
    shm_size: 64m
)");
  const engine::Resources& r = c.resources;
  EXPECT_EQ(r.nano_cpus, 1'500'000'000);
  EXPECT_EQ(r.cpu_shares, 512);
  EXPECT_EQ(r.cpu_quota, 50000);
  EXPECT_EQ(r.cpu_period, 100000);
  EXPECT_EQ(r.cpuset_cpus, "0-3");
  EXPECT_EQ(r.memory_bytes, 1LL << 30);
  EXPECT_EQ(r.memory_reservation_bytes, 512LL << 20);
  EXPECT_EQ(r.memory_swap_bytes, -1);
  EXPECT_EQ(r.pids_limit, 100);
  EXPECT_TRUE(r.oom_kill_disable);
  EXPECT_EQ(r.blkio_weight, 300);
  EXPECT_EQ(c.oom_score_adj, -500);
  EXPECT_EQ(c.shm_size_bytes, 64LL << 20);
}

TEST_F(ContainerConfig, LetsDeployLimitsAndReservationsOverrideFlatKeys) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    cpus: 4
    mem_limit: 1g
    pids_limit: 10
    deploy:
      resources:
        limits: {cpus: "0.5", memory: 256m, pids: 64}
        reservations: {cpus: "0.25", memory: 128m}
)");
  EXPECT_EQ(c.resources.nano_cpus, 500'000'000);
  EXPECT_EQ(c.resources.memory_bytes, 256LL << 20);
  EXPECT_EQ(c.resources.pids_limit, 64);
  EXPECT_EQ(c.resources.memory_reservation_bytes, 128LL << 20);
}

TEST_F(ContainerConfig, TurnsDeviceReservationsIntoOneCapabilityGroupEach) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    deploy:
      resources:
        reservations:
          devices:
            - {capabilities: [gpu, utility], driver: nvidia, count: 2}
            - {capabilities: [gpu]}
            - {capabilities: [gpu], device_ids: ["0", "3"], options: {x: y}}
            - {capabilities: [gpu], count: all}
)");
  EXPECT_THAT(c.device_requests,
              ElementsAre(
                  engine::DeviceRequest{
                      .driver = "nvidia", .count = 2, .capabilities = {{"gpu", "utility"}}},
                  engine::DeviceRequest{.count = -1, .capabilities = {{"gpu"}}},
                  engine::DeviceRequest{
                      .device_ids = {"0", "3"}, .capabilities = {{"gpu"}}, .options = {{"x", "y"}}},
                  engine::DeviceRequest{.count = -1, .capabilities = {{"gpu"}}}));
}

TEST_F(ContainerConfig, AddsTheGpuCapabilityToGpusRequests) {
  EXPECT_THAT(create("services:\n  web: {image: x, gpus: all}\n").device_requests,
              ElementsAre(engine::DeviceRequest{.count = -1, .capabilities = {{"gpu"}}}));
  EXPECT_THAT(create("services:\n  web: {image: x, gpus: [{driver: nvidia, count: 1, capabilities: "
                     "[compute]}]}\n")
                  .device_requests,
              ElementsAre(engine::DeviceRequest{
                  .driver = "nvidia", .count = 1, .capabilities = {{"compute", "gpu"}}}));
}

TEST_F(ContainerConfig, MapsDevicesAndSendsCdiNamesAsOneCdiRequest) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    devices:
      - /dev/fuse
      - /dev/sda:/dev/xvda:r
      - nvidia.com/gpu=0
      - nvidia.com/gpu=all
      - {source: /dev/kvm, target: /dev/kvm, permissions: rw}
)");
  EXPECT_THAT(c.devices, ElementsAre(engine::DeviceMapping{"/dev/fuse", "/dev/fuse", "rwm"},
                                     engine::DeviceMapping{"/dev/sda", "/dev/xvda", "r"},
                                     engine::DeviceMapping{"/dev/kvm", "/dev/kvm", "rw"}));
  EXPECT_THAT(c.device_requests,
              ElementsAre(engine::DeviceRequest{
                  .driver = "cdi", .device_ids = {"nvidia.com/gpu=0", "nvidia.com/gpu=all"}}));
}

TEST_F(ContainerConfig, OrdersDeviceRequestsAsReservationsThenCdiThenGpus) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    gpus: [{device_ids: ["GPU-1"]}]
    devices: [vendor.com/fpga=1]
    deploy: {resources: {reservations: {devices: [{capabilities: [tpu], count: 1}]}}}
)");
  EXPECT_THAT(
      c.device_requests,
      ElementsAre(engine::DeviceRequest{.count = 1, .capabilities = {{"tpu"}}},
                  engine::DeviceRequest{.driver = "cdi", .device_ids = {"vendor.com/fpga=1"}},
                  engine::DeviceRequest{.device_ids = {"GPU-1"}, .capabilities = {{"gpu"}}}));
}

TEST_F(ContainerConfig, GivesASingleUlimitValueToSoftAndHard) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    ulimits:
      nproc: 65535
      nofile: {soft: 20000, hard: 40000}
)");
  EXPECT_THAT(c.ulimits, ElementsAre(engine::Ulimit{"nofile", 20000, 40000},
                                     engine::Ulimit{"nproc", 65535, 65535}));
}

// --- process and security settings ---------------------------------------------------------------

TEST_F(ContainerConfig, PassesProcessAndSecuritySettingsThrough) {
  engine::ContainerCreate c = create(R"(
services:
  web:
    image: x
    user: "1000:1000"
    working_dir: /app
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    init: true
    read_only: true
    tty: true
    stdin_open: true
    privileged: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true", "label=disable"]
    sysctls: {net.core.somaxconn: 1024}
    extra_hosts: ["somehost:162.242.195.82", "v6host=::1"]
    dns: [8.8.8.8]
    dns_search: example.com
    dns_opt: [use-vc]
    hostname: h
    domainname: example.com
    userns_mode: host
    runtime: nvidia
    group_add: [video, 44]
    cgroup_parent: /aic
    logging: {driver: json-file, options: {max-size: 10m, max-file: 3}}
)");
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.working_dir, "/app");
  EXPECT_EQ(c.stop_signal, "SIGINT");
  EXPECT_EQ(c.stop_timeout_s, 90);
  EXPECT_EQ(c.init, true);
  EXPECT_TRUE(c.read_only);
  EXPECT_TRUE(c.tty);
  EXPECT_TRUE(c.open_stdin);
  EXPECT_TRUE(c.privileged);
  EXPECT_THAT(c.cap_add, ElementsAre("NET_ADMIN"));
  EXPECT_THAT(c.cap_drop, ElementsAre("ALL"));
  EXPECT_THAT(c.security_opt, ElementsAre("no-new-privileges:true", "label=disable"));
  EXPECT_EQ(c.sysctls, (std::map<std::string, std::string>{{"net.core.somaxconn", "1024"}}));
  EXPECT_THAT(c.extra_hosts, ElementsAre("somehost:162.242.195.82", "v6host:::1"));
  EXPECT_THAT(c.dns, ElementsAre("8.8.8.8"));
  EXPECT_THAT(c.dns_search, ElementsAre("example.com"));
  EXPECT_THAT(c.dns_options, ElementsAre("use-vc"));
  EXPECT_EQ(c.hostname, "h");
  EXPECT_EQ(c.domainname, "example.com");
  EXPECT_EQ(c.userns_mode, "host");
  EXPECT_EQ(c.runtime, "nvidia");
  EXPECT_THAT(c.group_add, ElementsAre("video", "44"));
  EXPECT_EQ(c.cgroup_parent, "/aic");
  EXPECT_EQ(c.log_config.type, "json-file");
  EXPECT_EQ(c.log_config.config,
            (std::map<std::string, std::string>{{"max-file", "3"}, {"max-size", "10m"}}));
}

TEST_F(ContainerConfig, LeavesInitAndStopTimeoutToTheEngineWhenNotSet) {
  engine::ContainerCreate c = create("services:\n  web: {image: x}\n");
  EXPECT_FALSE(c.init.has_value());
  EXPECT_FALSE(c.stop_timeout_s.has_value());
  EXPECT_EQ(create("services:\n  web: {image: x, init: false}\n").init, false);
}

TEST_F(ContainerConfig, RejectsAnInvalidDnsAddressAndSecurityOption) {
  Error e = create_error(R"(
services:
  web: {image: x, dns: [dns.google], security_opt: [bogus]}
)");
  EXPECT_THAT(e.details(), ElementsAre(HasSubstr("services.web.dns[0]: invalid DNS address"),
                                       HasSubstr("services.web.security_opt[0]: invalid "
                                                 "security-opt: \"bogus\"")));
}

TEST_F(ContainerConfig, FailsWithNotFoundForAnUnknownService) {
  compose::Node model = model_of("services:\n  web: {image: x}\n");
  Result<engine::ContainerCreate> c = container_create(model, "nope", ctx);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code(), ErrorCode::NotFound);
}

// --- unsupported keys ----------------------------------------------------------------------------

TEST_F(ContainerConfig, ReportsNothingForAServiceUsingOnlySupportedKeys) {
  EXPECT_THAT(unsupported(R"(
services:
  web:
    image: x
    build: .
    pull_policy: always
    scale: 2
    profiles: [dev]
    depends_on: [db]
    x-custom: 1
    attach: false
    deploy:
      replicas: 2
      mode: replicated
      resources: {reservations: {cpus: "1"}}
      restart_policy: {condition: on-failure, delay: 5s, window: 10s}
    volumes: [./a:/a, "data:/data"]
    blkio_config: {weight: 100}
    security_opt: ["seccomp=unconfined"]
  db: {image: x, profiles: [dev]}
volumes:
  data: {}
)"),
              IsEmpty());
}

TEST_F(ContainerConfig, ReportsEveryKeyAicCannotTurnIntoEngineConfiguration) {
  EXPECT_THAT(unsupported(R"(
services:
  web:
    image: x
    storage_opt: {size: 1G}
    uts: host
    annotations: {a: b}
    mem_swappiness: 10
    cpu_count: 2
    device_cgroup_rules: ["c 1:3 mr"]
    external_links: [redis]
    cgroup: private
    isolation: default
)"),
              ElementsAre("services.web.storage_opt: not supported by aic",
                          "services.web.uts: not supported by aic",
                          "services.web.annotations: not supported by aic",
                          "services.web.mem_swappiness: not supported by aic",
                          "services.web.cpu_count: not supported by aic",
                          "services.web.device_cgroup_rules: not supported by aic",
                          "services.web.external_links: not supported by aic",
                          "services.web.cgroup: not supported by aic",
                          "services.web.isolation: not supported by aic"));
}

TEST_F(ContainerConfig, ReportsUnsupportedPartsOfSupportedKeys) {
  EXPECT_THAT(
      unsupported(R"(
services:
  web:
    image: x
    volumes:
      - {type: volume, source: data, target: /d, volume: {subpath: sub}}
      - {type: image, source: alpine, target: /img}
      - {type: bind, source: ./a, target: /a, bind: {create_host_path: false, propagation: shared}}
    networks:
      default: {link_local_ips: ["169.254.1.1"], gw_priority: 1}
    deploy:
      resources: {limits: {cpus: "1"}, reservations: {generic_resources: [{discrete_resource_spec: {kind: gpu, value: 1}}]}}
    blkio_config: {weight_device: [{path: /dev/sda, weight: 400}]}
    security_opt: ["seccomp=./profile.json", "systempaths=unconfined"]
    secrets: [token]
    configs: [inline]
volumes:
  data: {}
secrets:
  token: {environment: TOKEN}
configs:
  inline: {content: hi}
)"),
      ElementsAre(
          "services.web.volumes[0].volume.subpath: not supported by aic",
          "services.web.volumes[1].type: not supported by aic (\"image\" mounts)",
          "services.web.volumes[2].bind.propagation: not supported by aic (with "
          "create_host_path: false)",
          "services.web.networks.default.link_local_ips: not supported by aic",
          "services.web.networks.default.gw_priority: not supported by aic",
          "services.web.deploy.resources.reservations.generic_resources: not supported by aic",
          "services.web.blkio_config.weight_device: not supported by aic",
          "services.web.security_opt[0]: not supported by aic (seccomp profile files)",
          "services.web.security_opt[1]: not supported by aic (systempaths=unconfined)",
          "services.web.secrets[0]: not supported by aic (secret \"token\" from an environment "
          "variable)",
          "services.web.configs[0]: not supported by aic (config \"inline\" from content)"));
}

} // namespace
} // namespace aic::plan
