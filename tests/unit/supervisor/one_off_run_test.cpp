// The create request of a `run` one-off container: the service's configuration with compose
// run's changes and the request's overrides.

#include "supervisor/one_off_run.hpp"

#include <algorithm>
#include <gtest/gtest.h>

namespace aic::supervisor {
namespace {

LoadedInputs load(const std::string& compose) {
  proto::ComposeInputs in;
  in.config_files = {"/p/compose.yaml"};
  in.working_dir = "/p";
  in.files["/p/compose.yaml"] = compose;
  Result<LoadedInputs> loaded = load_inputs(in);
  EXPECT_TRUE(loaded) << loaded.error().describe();
  return std::move(*loaded);
}

const std::string kProject = "name: demo\n"
                             "services:\n"
                             "  web:\n"
                             "    image: nginx\n"
                             "    command: [nginx, -g, 'daemon off;']\n"
                             "    environment: {A: from-file, B: kept}\n"
                             "    ports: ['8080:80']\n"
                             "    restart: always\n"
                             "    networks: {default: {aliases: [www]}}\n"
                             "    volumes: [data:/data]\n"
                             "volumes:\n"
                             "  data: {}\n";

const std::string kSlug = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(OneOffRun, NamesTheContainerAfterTheSlug) {
  EXPECT_EQ(one_off_name("demo", "web", kSlug), "demo-web-run-0123456789ab");
}

TEST(OneOffRun, KeepsTheServiceConfigurationWithComposeRunsChanges) {
  LoadedInputs project = load(kProject);
  proto::RunRequest request;
  request.service = "web";
  const std::string name = one_off_name("demo", "web", kSlug);
  Result<engine::ContainerCreate> create = one_off_create(project, request, name, kSlug, 44);
  ASSERT_TRUE(create) << create.error().describe();
  EXPECT_EQ(create->name, name);
  EXPECT_EQ(create->image, "nginx");
  EXPECT_EQ(create->cmd, (std::vector<std::string>{"nginx", "-g", "daemon off;"}));
  EXPECT_EQ(create->labels.at("com.docker.compose.oneoff"), "True");
  EXPECT_EQ(create->labels.at("com.docker.compose.slug"), kSlug);
  EXPECT_EQ(create->labels.at("com.docker.compose.project"), "demo");
  EXPECT_EQ(create->labels.at("com.docker.compose.service"), "web");
  EXPECT_EQ(create->labels.count("com.docker.compose.container-number"), 0u);
  EXPECT_EQ(create->restart_policy, engine::RestartPolicy{});
  EXPECT_TRUE(create->port_bindings.empty()); // no --service-ports
  ASSERT_EQ(create->networks.size(), 1u);
  EXPECT_EQ(create->networks[0].name, "demo_default");
  EXPECT_EQ(create->networks[0].endpoint.aliases, std::vector<std::string>{name});
  EXPECT_FALSE(create->auto_remove);
  EXPECT_TRUE(create->attach_stdout);
}

TEST(OneOffRun, AppliesTheRequestsOverrides) {
  LoadedInputs project = load(kProject);
  proto::RunRequest request;
  request.service = "web";
  request.command = std::vector<std::string>{"echo", "hi"};
  request.entrypoint = std::vector<std::string>{"/bin/sh", "-c"};
  request.env = {"A=from-flag", "C=new"};
  request.user = "nobody";
  request.workdir = "/srv";
  request.volumes = {"/host:/in:ro", "data:/more", "/anonymous"};
  request.publish = {"127.0.0.1:9000:90/udp", "7000"};
  request.service_ports = true;
  request.rm = true;
  request.tty = true;
  request.stdin = true;
  Result<engine::ContainerCreate> create = one_off_create(project, request, "x", kSlug, 44);
  ASSERT_TRUE(create) << create.error().describe();
  EXPECT_EQ(create->cmd, (std::vector<std::string>{"echo", "hi"}));
  EXPECT_EQ(create->entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  auto has = [&](const std::string& e) {
    return std::find(create->env.begin(), create->env.end(), e) != create->env.end();
  };
  EXPECT_TRUE(has("A=from-flag"));
  EXPECT_FALSE(has("A=from-file"));
  EXPECT_TRUE(has("B=kept"));
  EXPECT_TRUE(has("C=new"));
  EXPECT_EQ(create->user, "nobody");
  EXPECT_EQ(create->working_dir, "/srv");
  // The service's own volumes stay; the request's come after them.
  EXPECT_EQ(create->binds,
            (std::vector<std::string>{"demo_data:/data:rw", "/host:/in:ro", "demo_data:/more"}));
  ASSERT_FALSE(create->mounts.empty());
  EXPECT_EQ(create->mounts.back().target, "/anonymous");
  EXPECT_EQ(create->mounts.back().type, "volume");
  std::vector<engine::PortBinding> expected_ports = {
      {"80/tcp", "", "8080"}, {"90/udp", "127.0.0.1", "9000"}, {"7000/tcp", "", ""}};
  EXPECT_EQ(create->port_bindings, expected_ports);
  EXPECT_TRUE(create->auto_remove);
  EXPECT_TRUE(create->tty);
  EXPECT_TRUE(create->open_stdin);
  EXPECT_TRUE(create->stdin_once);
  EXPECT_TRUE(create->attach_stdin);
}

TEST(OneOffRun, RefusesUnknownServicesAndMalformedPorts) {
  LoadedInputs project = load(kProject);
  proto::RunRequest request;
  request.service = "nope";
  Result<engine::ContainerCreate> unknown = one_off_create(project, request, "x", kSlug, 44);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::NotFound);
  request.service = "web";
  request.publish = {"80:http"};
  Result<engine::ContainerCreate> bad_port = one_off_create(project, request, "x", kSlug, 44);
  ASSERT_FALSE(bad_port);
  EXPECT_EQ(bad_port.error().code(), ErrorCode::InvalidSpec);
  request.publish = {};
  request.volumes = {":/x"};
  EXPECT_FALSE(one_off_create(project, request, "x", kSlug, 44));
}

} // namespace
} // namespace aic::supervisor
