#include "archive/tar_writer.hpp"
#include "client_fixture.hpp"

#include <algorithm>
#include <gtest/gtest.h>

namespace aic::e2e {
namespace {

using namespace aic::engine;
using std::chrono::milliseconds;

class ClientSystem : public ClientTest {};

class ClientContainers : public ClientTest {};
class ClientExec : public ClientTest {};

TEST_F(ClientSystem, NegotiatesTheEngineVersionAndReadsInfo) {
  ASSERT_TRUE(run(client_->ping()));
  auto version = run(client_->version());
  ASSERT_TRUE(version) << version.error().describe();
  auto negotiated = run(client_->api_version());
  ASSERT_TRUE(negotiated);
  auto engine_max = ApiVersion::parse(version->api_version);
  ASSERT_TRUE(engine_max);
  EXPECT_EQ(*negotiated, std::min(*engine_max, kNewestApiVersion));

  auto info = run(client_->info());
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_FALSE(info->id.empty());
  EXPECT_NE(std::find(info->runtimes.begin(), info->runtimes.end(), "runc"), info->runtimes.end());
}

TEST_F(ClientSystem, EventsFollowTheProjectLabelInOrder) {
  auto events = client_->events(
      {.types = {"container"}, .labels = {std::string(kProjectLabel) + "=" + project_}});
  const std::string id = create({.cmd = std::vector<std::string>{"true"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  std::vector<std::string> actions;
  while (actions.size() < 3) {
    auto event = run(events->next());
    ASSERT_TRUE(event) << event.error().describe();
    EXPECT_EQ(event->actor_id, id);
    EXPECT_EQ(event->attributes.at(std::string(kProjectLabel)), project_);
    actions.push_back(event->action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"create", "start", "die"}));
  EXPECT_EQ(events->connections(), 1);
}

TEST_F(ClientContainers, CreateCarriesTheWholeComposeMappingIntoTheContainer) {
  auto network = run(client_->create_network(
      {.name = project_ + "_net",
       .labels = project_labels(),
       .ipam = {.config = {{.subnet = "172.29.243.0/24", .gateway = "172.29.243.1"}}}}));
  ASSERT_TRUE(network) << network.error().describe();

  ContainerCreate want;
  want.name = project_ + "-web-1";
  want.cmd = std::vector<std::string>{"-c", "sleep 300"};
  want.entrypoint = std::vector<std::string>{"/bin/sh"};
  want.env = {"A=1", "B=two words"};
  want.labels = {{"com.example.role", "web"}};
  want.exposed_ports = {"8080/tcp"};
  want.port_bindings = {{.container_port = "8080/tcp", .host_ip = "127.0.0.1", .host_port = ""}};
  want.mounts = {{.type = "volume", .source = project_ + "_data", .target = "/data"},
                 {.type = "tmpfs", .target = "/scratch", .tmpfs_size_bytes = 1 << 20}};
  want.binds = {"/etc/hostname:/host-hostname:ro"};
  want.networks = {{.name = project_ + "_net",
                    .endpoint = {.aliases = {"web", "frontend"}, .ipv4_address = "172.29.243.10"}}};
  want.network_mode = project_ + "_net";
  want.restart_policy = {.name = "on-failure", .maximum_retry_count = 3};
  want.healthcheck = HealthConfig{.test = {"CMD-SHELL", "true"},
                                  .interval_ns = 2'000'000'000,
                                  .timeout_ns = 1'000'000'000,
                                  .start_period_ns = 500'000'000,
                                  .retries = 4};
  want.resources.memory_bytes = 64 << 20;
  want.resources.nano_cpus = 500'000'000;
  want.resources.pids_limit = 100;
  want.ulimits = {{.name = "nofile", .soft = 1024, .hard = 2048}};
  want.cap_add = {"NET_ADMIN"};
  want.cap_drop = {"MKNOD"};
  want.devices = {{.path_on_host = "/dev/null",
                   .path_in_container = "/dev/aicnull",
                   .cgroup_permissions = "rwm"}};
  want.device_requests = {{.driver = "nvidia", .count = 1, .capabilities = {{"gpu"}}}};
  want.log_config = {.type = "json-file", .config = {{"max-size", "1m"}}};
  want.user = "nobody";
  want.working_dir = "/tmp";
  want.stop_signal = "SIGUSR1";
  want.stop_timeout_s = 3;
  want.init = true;
  want.read_only = true;
  want.shm_size_bytes = 32 << 20;
  want.sysctls = {{"net.core.somaxconn", "1024"}};
  want.extra_hosts = {"db.local:10.0.0.5"};
  want.dns = {"127.0.0.53"};
  want.hostname = "webhost";
  const std::string id = create(want);
  ASSERT_FALSE(id.empty());

  auto inspected = run(client_->inspect_container(id));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  const ContainerCreate& got = inspected->config;
  EXPECT_EQ(inspected->name, want.name);
  EXPECT_EQ(got.cmd, want.cmd);
  EXPECT_EQ(got.entrypoint, want.entrypoint);
  for (const auto& pair : want.env) {
    EXPECT_NE(std::find(got.env.begin(), got.env.end(), pair), got.env.end()) << pair;
  }
  EXPECT_EQ(got.labels.at("com.example.role"), "web");
  EXPECT_EQ(got.exposed_ports, want.exposed_ports);
  EXPECT_EQ(got.port_bindings, want.port_bindings);
  EXPECT_EQ(got.binds, want.binds);
  ASSERT_EQ(got.mounts.size(), 2u);
  EXPECT_EQ(got.mounts[0].target, "/data");
  EXPECT_EQ(got.mounts[1].tmpfs_size_bytes, 1 << 20);
  ASSERT_FALSE(got.networks.empty());
  EXPECT_EQ(got.networks[0].name, project_ + "_net");
  EXPECT_EQ(got.networks[0].endpoint.ipv4_address, "172.29.243.10");
  for (const auto& alias : {"web", "frontend"}) {
    const auto& aliases = got.networks[0].endpoint.aliases;
    EXPECT_NE(std::find(aliases.begin(), aliases.end(), alias), aliases.end()) << alias;
  }
  EXPECT_EQ(got.restart_policy, want.restart_policy);
  EXPECT_EQ(got.healthcheck, want.healthcheck);
  EXPECT_EQ(got.resources.memory_bytes, want.resources.memory_bytes);
  EXPECT_EQ(got.resources.nano_cpus, want.resources.nano_cpus);
  EXPECT_EQ(got.resources.pids_limit, want.resources.pids_limit);
  EXPECT_EQ(got.ulimits, want.ulimits);
  EXPECT_EQ(got.cap_add, want.cap_add);
  EXPECT_EQ(got.cap_drop, want.cap_drop);
  EXPECT_EQ(got.devices, want.devices);
  EXPECT_EQ(got.device_requests, want.device_requests);
  EXPECT_EQ(got.log_config, want.log_config);
  EXPECT_EQ(got.user, want.user);
  EXPECT_EQ(got.working_dir, want.working_dir);
  EXPECT_EQ(got.stop_signal, want.stop_signal);
  EXPECT_EQ(got.stop_timeout_s, want.stop_timeout_s);
  EXPECT_EQ(got.init, want.init);
  EXPECT_TRUE(got.read_only);
  EXPECT_EQ(got.shm_size_bytes, want.shm_size_bytes);
  EXPECT_EQ(got.sysctls, want.sysctls);
  EXPECT_EQ(got.extra_hosts, want.extra_hosts);
  EXPECT_EQ(got.dns, want.dns);
  EXPECT_EQ(got.hostname, want.hostname);
}

TEST_F(ClientContainers, LifecycleCallsChangeTheStateTheEngineReports) {
  const std::string id = create({.name = project_ + "-app-1",
                                 .cmd = std::vector<std::string>{"sleep", "300"},
                                 .stop_timeout_s = 1});
  auto listed = run(client_->list_containers(
      {.all = true, .filters = {{"label", {std::string(kProjectLabel) + "=" + project_}}}}));
  ASSERT_TRUE(listed) << listed.error().describe();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, id);
  EXPECT_EQ((*listed)[0].state, "created");

  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(client_->start_container(id))); // already running: 304, still a success
  auto top = run(client_->top_container(id));
  ASSERT_TRUE(top) << top.error().describe();
  ASSERT_FALSE(top->processes.empty());
  const auto cmd = std::find(top->titles.begin(), top->titles.end(), "CMD");
  ASSERT_NE(cmd, top->titles.end());
  EXPECT_NE(top->processes[0][static_cast<std::size_t>(cmd - top->titles.begin())].find("sleep"),
            std::string::npos);

  ASSERT_TRUE(run(client_->pause_container(id)));
  EXPECT_TRUE(run(client_->inspect_container(id))->state.paused);
  ASSERT_TRUE(run(client_->unpause_container(id)));
  EXPECT_FALSE(run(client_->inspect_container(id))->state.paused);

  ASSERT_TRUE(run(client_->rename_container(id, project_ + "-renamed-1")));
  EXPECT_EQ(run(client_->inspect_container(id))->name, project_ + "-renamed-1");

  ASSERT_TRUE(run(client_->restart_container(id, 1)));
  EXPECT_TRUE(run(client_->inspect_container(id))->state.running);

  ASSERT_TRUE(run(client_->kill_container(id, "SIGKILL")));
  auto waited = run(client_->wait_container(id));
  ASSERT_TRUE(waited) << waited.error().describe();
  EXPECT_EQ(waited->status_code, 137);
  auto stopped = run(client_->inspect_container(id));
  EXPECT_FALSE(stopped->state.running);
  EXPECT_EQ(stopped->state.exit_code, 137);

  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(client_->stop_container(id, 1)));
  EXPECT_FALSE(run(client_->inspect_container(id))->state.running);

  ASSERT_TRUE(run(client_->remove_container(id, {.force = true, .volumes = true})));
  auto gone = run(client_->inspect_container(id));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::NotFound);
}

TEST_F(ClientContainers, EngineErrorsKeepTheEngineMessageAndMapToCodes) {
  auto missing = run(client_->inspect_container("aice2e-no-such-container"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::NotFound);
  EXPECT_NE(missing.error().message().find("No such container: aice2e-no-such-container"),
            std::string::npos)
      << missing.error().message();

  ContainerCreate no_image;
  no_image.image = "aic-test/does-not-exist:1";
  auto created = run(client_->create_container(no_image));
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().code(), ErrorCode::NotFound);
  EXPECT_NE(created.error().message().find("aic-test/does-not-exist"), std::string::npos)
      << created.error().message();

  const std::string name = project_ + "-dup-1";
  ASSERT_FALSE(create({.name = name, .cmd = std::vector<std::string>{"true"}}).empty());
  ContainerCreate again{.name = name, .image = std::string(kTestImage)};
  again.labels = project_labels();
  auto duplicate = run(client_->create_container(again));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), ErrorCode::Conflict);
  EXPECT_NE(duplicate.error().message().find("is already in use"), std::string::npos)
      << duplicate.error().message();
}

TEST_F(ClientContainers, LogsAreDemultiplexedAndHonourTailAndTimestamps) {
  const std::string id =
      create({.cmd = std::vector<std::string>{"sh", "-c",
                                              "for i in 1 2 3; do echo out$i; echo err$i >&2;"
                                              " done"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(client_->wait_container(id)));

  auto all = run(client_->logs(id, {}));
  ASSERT_TRUE(all) << all.error().describe();
  Collected both = collect(**all);
  EXPECT_EQ(both.out, "out1\nout2\nout3\n");
  EXPECT_EQ(both.err, "err1\nerr2\nerr3\n");

  const std::string counter =
      create({.cmd = std::vector<std::string>{"sh", "-c", "for i in 1 2 3 4 5; do echo $i; done"}});
  ASSERT_TRUE(run(client_->start_container(counter)));
  ASSERT_TRUE(run(client_->wait_container(counter)));
  auto tail = run(client_->logs(counter, {.tail = "2"}));
  ASSERT_TRUE(tail);
  EXPECT_EQ(collect(**tail).out, "4\n5\n");

  auto stamped = run(client_->logs(id, {.stderr_stream = false, .timestamps = true}));
  ASSERT_TRUE(stamped);
  const std::string text = collect(**stamped).out;
  EXPECT_NE(text.find("Z out1\n"), std::string::npos) << text;
}

TEST_F(ClientContainers, TtyLogsAreRawAndFollowEndsWithTheContainer) {
  const std::string id =
      create({.cmd = std::vector<std::string>{"sh", "-c", "sleep 1; echo late"}, .tty = true});
  ASSERT_TRUE(run(client_->start_container(id)));
  auto followed = run(client_->logs(id, {.follow = true}));
  ASSERT_TRUE(followed) << followed.error().describe();
  EXPECT_TRUE((*followed)->tty());
  Collected out = collect(**followed);
  EXPECT_EQ(out.out, "late\r\n");
  EXPECT_EQ(out.err, "");
}

TEST_F(ClientContainers, AttachCarriesInputAndOutput) {
  const std::string id = create({.cmd = std::vector<std::string>{"cat"},
                                 .open_stdin = true,
                                 .stdin_once = true,
                                 .attach_stdin = true,
                                 .attach_stdout = true,
                                 .attach_stderr = true});
  auto session = run(client_->attach(id, {.stdin_stream = true}));
  ASSERT_TRUE(session) << session.error().describe();
  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run((*session)->write("through the pipe\n")));
  ASSERT_TRUE((*session)->close_input());
  EXPECT_EQ(collect(**session).out, "through the pipe\n");
  auto waited = run(client_->wait_container(id));
  ASSERT_TRUE(waited);
  EXPECT_EQ(waited->status_code, 0);
}

TEST_F(ClientContainers, AttachedTtyContainerCanBeResized) {
  // The size is read after the resize has had two seconds to land.
  const std::string id = create({.cmd = std::vector<std::string>{"sh", "-c", "sleep 2; stty size"},
                                 .tty = true,
                                 .attach_stdout = true,
                                 .attach_stderr = true});
  auto session = run(client_->attach(id, {}));
  ASSERT_TRUE(session) << session.error().describe();
  EXPECT_TRUE((*session)->tty());
  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(client_->resize_container(id, 27, 93)));
  EXPECT_EQ(collect(**session).out, "27 93\r\n");
}

TEST_F(ClientContainers, ArchivePutThenGetRoundTripsAFile) {
  const std::string id = create({.cmd = std::vector<std::string>{"sleep", "300"}});
  std::string tar;
  archive::TarWriter writer([&tar](std::string_view bytes) -> Result<void> {
    tar.append(bytes);
    return {};
  });
  ASSERT_TRUE(writer.add_file({.name = "secret.txt", .mode = 0400}, "s3cr3t\n"));
  ASSERT_TRUE(writer.finish());
  ASSERT_TRUE(run(client_->put_archive(id, "/tmp", tar)));

  auto archive = run(client_->get_archive(id, "/tmp/secret.txt"));
  ASSERT_TRUE(archive) << archive.error().describe();
  auto bytes = run((*archive)->read_all(1 << 20, milliseconds(10'000)));
  ASSERT_TRUE(bytes) << bytes.error().describe();
  EXPECT_EQ(bytes->substr(0, 10), "secret.txt");
  EXPECT_NE(bytes->find("s3cr3t\n"), std::string::npos);

  auto missing = run(client_->get_archive(id, "/no/such/path"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::NotFound);
}

TEST_F(ClientExec, ExecWithoutTtySeparatesStreamsAndReportsTheExitCode) {
  const std::string id = create({.cmd = std::vector<std::string>{"sleep", "300"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  auto exec = run(client_->create_exec(id, {.cmd = {"sh", "-c", "cat; echo oops >&2; exit 3"},
                                            .env = {"X=1"},
                                            .attach_stdin = true,
                                            .attach_stdout = true,
                                            .attach_stderr = true}));
  ASSERT_TRUE(exec) << exec.error().describe();
  auto session = run(client_->start_exec(*exec, false));
  ASSERT_TRUE(session) << session.error().describe();
  ASSERT_TRUE(run((*session)->write("echoed\n")));
  ASSERT_TRUE((*session)->close_input());
  Collected out = collect(**session);
  EXPECT_EQ(out.out, "echoed\n");
  EXPECT_EQ(out.err, "oops\n");
  auto inspected = run(client_->inspect_exec(*exec));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_FALSE(inspected->running);
  EXPECT_EQ(inspected->exit_code, 3);
}

TEST_F(ClientExec, ExecWithTtyGivesARawTerminalThatCanBeResized) {
  const std::string id = create({.cmd = std::vector<std::string>{"sleep", "300"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  auto exec = run(client_->create_exec(id, {.cmd = {"sh", "-c", "sleep 2; stty size"},
                                            .tty = true,
                                            .attach_stdout = true,
                                            .attach_stderr = true}));
  ASSERT_TRUE(exec);
  auto session = run(client_->start_exec(*exec, true));
  ASSERT_TRUE(session) << session.error().describe();
  ASSERT_TRUE(run(client_->resize_exec(*exec, 33, 101)));
  EXPECT_EQ(collect(**session).out, "33 101\r\n");
}

} // namespace
} // namespace aic::e2e
