#include "client_fixture.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

namespace aic::e2e {
namespace {

using namespace aic::engine;
namespace fs = std::filesystem;

class ClientNetworks : public ClientTest {};
class ClientVolumes : public ClientTest {};
class ClientImages : public ClientTest {};

TEST_F(ClientNetworks, CreateInspectConnectDisconnectAndRemove) {
  const std::string name = project_ + "_backend";
  auto created = run(client_->create_network(
      {.name = name,
       .driver = "bridge",
       .internal = true,
       .attachable = true,
       .options = {{"com.docker.network.bridge.enable_icc", "true"}},
       .labels = project_labels(),
       .ipam = {.config = {{.subnet = "172.29.244.0/24", .gateway = "172.29.244.1"}}},
       .check_duplicate = true}));
  ASSERT_TRUE(created) << created.error().describe();

  auto inspected = run(client_->inspect_network(name));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(inspected->id, created->id);
  EXPECT_TRUE(inspected->internal);
  EXPECT_TRUE(inspected->attachable);
  EXPECT_EQ(inspected->labels, project_labels());
  ASSERT_EQ(inspected->ipam.config.size(), 1u);
  EXPECT_EQ(inspected->ipam.config[0].subnet, "172.29.244.0/24");

  auto listed =
      run(client_->list_networks({{"label", {std::string(kProjectLabel) + "=" + project_}}}));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, name);

  auto duplicate = run(
      client_->create_network({.name = name, .labels = project_labels(), .check_duplicate = true}));
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code(), ErrorCode::Conflict) << duplicate.error().describe();

  const std::string id = create({.cmd = std::vector<std::string>{"sleep", "300"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(
      client_->connect_network(name, id, {.aliases = {"api"}, .ipv4_address = "172.29.244.20"})));
  auto container = run(client_->inspect_container(id));
  ASSERT_TRUE(container);
  ASSERT_TRUE(container->network_ips.count(name));
  EXPECT_EQ(container->network_ips.at(name).ip_address, "172.29.244.20");
  const auto& aliases = container->network_ips.at(name).aliases;
  EXPECT_NE(std::find(aliases.begin(), aliases.end(), "api"), aliases.end());
  auto with_member = run(client_->inspect_network(name));
  ASSERT_TRUE(with_member);
  EXPECT_TRUE(with_member->containers.count(id));

  auto busy = run(client_->remove_network(name));
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), ErrorCode::Conflict) << busy.error().describe();

  ASSERT_TRUE(run(client_->disconnect_network(name, id, false)));
  EXPECT_FALSE(run(client_->inspect_container(id))->network_ips.count(name));
  ASSERT_TRUE(run(client_->remove_network(name)));
  auto gone = run(client_->inspect_network(name));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::NotFound);
}

TEST_F(ClientVolumes, CreateInspectListAndRemove) {
  const std::string name = project_ + "_data";
  auto created = run(client_->create_volume(
      {.name = name, .driver = "local", .driver_opts = {}, .labels = project_labels()}));
  ASSERT_TRUE(created) << created.error().describe();
  EXPECT_EQ(created->name, name);
  EXPECT_EQ(created->driver, "local");

  auto inspected = run(client_->inspect_volume(name));
  ASSERT_TRUE(inspected);
  EXPECT_EQ(inspected->labels, project_labels());
  EXPECT_FALSE(inspected->mountpoint.empty());

  auto listed =
      run(client_->list_volumes({{"label", {std::string(kProjectLabel) + "=" + project_}}}));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, name);

  ContainerCreate user;
  user.cmd = std::vector<std::string>{"true"};
  user.mounts = {{.type = "volume", .source = name, .target = "/data"}};
  const std::string id = create(user);
  auto in_use = run(client_->remove_volume(name, false));
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code(), ErrorCode::Conflict) << in_use.error().describe();

  ASSERT_TRUE(run(client_->remove_container(id, {})));
  ASSERT_TRUE(run(client_->remove_volume(name, false)));
  auto gone = run(client_->inspect_volume(name));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::NotFound);
}

/// A temporary build context directory.
class ContextDir {
public:
  ContextDir() {
    char dir_template[] = "/tmp/aic-e2e-build-XXXXXX";
    path_ = ::mkdtemp(dir_template);
  }
  ~ContextDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  void write(const std::string& relative, const std::string& content) const {
    const fs::path file = fs::path(path_) / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file) << content;
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

TEST_F(ClientImages, InspectListTagAndRemove) {
  auto inspected = run(client_->inspect_image(std::string(kTestImage)));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(inspected->id.rfind("sha256:", 0), 0u);

  const std::string repo = "aic-test/" + project_;
  ASSERT_TRUE(run(client_->tag_image(std::string(kTestImage), repo, "v1")));
  auto listed = run(client_->list_images({{"reference", {repo}}}));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, inspected->id);
  EXPECT_EQ((*listed)[0].repo_tags, (std::vector<std::string>{repo + ":v1"}));

  ASSERT_TRUE(run(client_->remove_image(repo + ":v1", false)));
  auto gone = run(client_->inspect_image(repo + ":v1"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::NotFound);
}

TEST_F(ClientImages, PullFromAnUnreachableRegistryReturnsTheEngineMessage) {
  std::vector<ProgressMessage> messages;
  auto pulled = run(client_->pull_image("127.0.0.1:9/aic-test/absent:1",
                                        [&](const ProgressMessage& m) { messages.push_back(m); }));
  ASSERT_FALSE(pulled);
  EXPECT_NE(pulled.error().describe().find("127.0.0.1:9"), std::string::npos)
      << pulled.error().describe();
  EXPECT_NE(pulled.error().describe().find("pulling 127.0.0.1:9/aic-test/absent:1"),
            std::string::npos)
      << pulled.error().describe();
}

TEST_F(ClientImages, BuildHonoursDockerignoreArgsLabelsAndTarget) {
  ContextDir context;
  context.write("Dockerfile",
                "FROM " + std::string(kTestImage) +
                    " AS base\n"
                    "ARG GREETING\n"
                    "COPY . /ctx\n"
                    "RUN test ! -e /ctx/secret.env && test ! -e /ctx/logs/a.log\n"
                    "RUN test -e /ctx/logs/keep.log && test -e /ctx/app.txt\n"
                    "RUN echo \"$GREETING\" > /greeting\n"
                    "RUN grep -q 'db.local' /etc/hosts && grep -q 'cache.local' /etc/hosts\n"
                    "FROM base AS final\n"
                    "RUN false\n");
  context.write(".dockerignore", "*.env\nlogs/\n!logs/keep.log\n");
  context.write("secret.env", "TOKEN=1\n");
  context.write("app.txt", "app\n");
  context.write("logs/a.log", "a\n");
  context.write("logs/keep.log", "keep\n");
  const std::string tag = "aic-test/" + project_ + ":built";

  std::string output;
  auto built =
      run(client_->build_image({.context_dir = context.path(),
                                .tags = {tag},
                                .target = "base",
                                .build_args = {{"GREETING", "hello"}},
                                .labels = project_labels(),
                                .extra_hosts = {"db.local:10.0.0.5", "cache.local:10.0.0.6"}},
                               [&](const ProgressMessage& m) { output += m.stream; }));
  ASSERT_TRUE(built) << built.error().describe() << "\n" << output;
  EXPECT_EQ(built->image_id.rfind("sha256:", 0), 0u) << built->image_id;
  auto image = run(client_->inspect_image(tag));
  ASSERT_TRUE(image) << image.error().describe();
  EXPECT_EQ(image->id, built->image_id);
  EXPECT_EQ(image->config.labels.at(std::string(kProjectLabel)), project_);

  const std::string id =
      create({.image = tag, .cmd = std::vector<std::string>{"cat", "/greeting"}});
  ASSERT_TRUE(run(client_->start_container(id)));
  ASSERT_TRUE(run(client_->wait_container(id)));
  auto logs = run(client_->logs(id, {}));
  ASSERT_TRUE(logs);
  EXPECT_EQ(collect(**logs).out, "hello\n");
  ASSERT_TRUE(run(client_->remove_container(id, {.force = true})));
  ASSERT_TRUE(run(client_->remove_image(tag, true)));
}

TEST_F(ClientImages, FailedBuildSurfacesTheFailingStep) {
  ContextDir context;
  // The step names the project so that its container, if one were kept, can be found.
  context.write("Dockerfile",
                "FROM " + std::string(kTestImage) + "\nRUN echo " + project_ + " && exit 7\n");
  auto built = run(
      client_->build_image({.context_dir = context.path(), .labels = project_labels()}, nullptr));
  ASSERT_FALSE(built);
  EXPECT_NE(built.error().message().find("returned a non-zero code: 7"), std::string::npos)
      << built.error().describe();

  // forcerm: the failed step's container is removed too (the classic builder keeps it without).
  auto containers = run(client_->list_containers({.all = true}));
  ASSERT_TRUE(containers) << containers.error().describe();
  for (const auto& container : *containers) {
    EXPECT_EQ(container.command.find(project_), std::string::npos)
        << "left behind: " << container.id << " " << container.command;
  }
}

TEST_F(ClientImages, BuildTakesADockerfileFromOutsideTheContext) {
  ContextDir context;
  ContextDir elsewhere;
  context.write("data.txt", "inside\n");
  elsewhere.write("build.Dockerfile",
                  "FROM " + std::string(kTestImage) + "\nCOPY data.txt /data.txt\n");
  const std::string tag = "aic-test/" + project_ + ":outside";
  auto built = run(client_->build_image({.context_dir = context.path(),
                                         .dockerfile = elsewhere.path() + "/build.Dockerfile",
                                         .tags = {tag},
                                         .labels = project_labels()},
                                        nullptr));
  ASSERT_TRUE(built) << built.error().describe();
  // Relative to the context and leaving it, as a compose file's `dockerfile: ../x` does.
  const std::string relative =
      "../" + fs::path(elsewhere.path()).filename().string() + "/build.Dockerfile";
  auto again = run(client_->build_image(
      {.context_dir = context.path(), .dockerfile = relative, .tags = {tag}}, nullptr));
  ASSERT_TRUE(again) << again.error().describe();
  ASSERT_TRUE(run(client_->remove_image(tag, true)));
}

} // namespace
} // namespace aic::e2e
