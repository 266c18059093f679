#include "cli/compose_inputs.hpp"
#include "compose/model_json.hpp"
#include "supervisor/project_inputs.hpp"

#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace aic::cli {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Not;
namespace fs = std::filesystem;

using Env = std::map<std::string, std::string>;

/// A project written to a real temporary directory, loaded by the CLI as `aic up` does.
class PrepareProject : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aic-prepare-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    // A fixed, odd directory name: the project name comes from it unless the files give one.
    dir_ = (root_ / "My_App").string();
    fs::create_directories(dir_);
    options.working_dir = dir_;
    options.environment = {{"HOME", "/home/u"}};
  }
  void TearDown() override { fs::remove_all(root_); }

  void file(const std::string& relative, const std::string& content) {
    fs::path p = fs::path(dir_) / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  std::string path(const std::string& relative) const { return dir_ + "/" + relative; }

  /// The project of the example below: compose.yaml with an include and an extends, a .env
  /// and a service env_file.
  void write_full_project() {
    file("compose.yaml", R"(
include:
  - inc/db.yaml
services:
  web:
    extends:
      file: base.yaml
      service: base
    image: nginx:${TAG}
    env_file: web.env
    environment:
      FROM_SHELL: ${SHELL_VALUE}
      BARE:
)");
    file("inc/db.yaml", "services:\n  db:\n    image: postgres:${DB_TAG:-16}\n");
    file("base.yaml", R"(
services:
  base:
    labels:
      tier: front
    environment:
      BASE: "1"
)");
    file(".env", "TAG=1.25\nUNUSED_FROM_DOTENV=dotenv\n");
    file("web.env", "GREETING=hello\nEXTRA=${EXTRA_FROM_SHELL}\n");
    // On disk but never read: must not be sent.
    file("unrelated.yaml", "services: {}\n");
    file("inc/notes.txt", "not compose\n");
    options.environment = {{"HOME", "/home/u"},           {"PATH", "/usr/bin"},
                           {"SHELL_VALUE", "from-shell"}, {"BARE", "bare-value"},
                           {"EXTRA_FROM_SHELL", "extra"}, {"AWS_SECRET", "do-not-send"},
                           {"COMPOSE_PROFILES", ""},      {"COMPOSE_HTTP_TIMEOUT", "30"}};
  }

  /// Prepares on the CLI's side, then loads what would be sent on aicd's side, and checks that
  /// both see the same project.
  void expect_daemon_loads_the_same(const PreparedProject& prepared) {
    Result<supervisor::LoadedInputs> daemon = supervisor::load_inputs(prepared.inputs);
    ASSERT_TRUE(daemon) << daemon.error().describe();
    EXPECT_EQ(compose::to_json(daemon->loaded.model).dump(2),
              compose::to_json(prepared.loaded.model).dump(2));
    EXPECT_EQ(daemon->loaded.name, prepared.loaded.name);
    EXPECT_EQ(daemon->loaded.working_dir, prepared.loaded.working_dir);
    EXPECT_EQ(daemon->loaded.config_files, prepared.loaded.config_files);
    EXPECT_EQ(daemon->loaded.env_files, prepared.loaded.env_files);
    EXPECT_EQ(daemon->loaded.environment, prepared.loaded.environment);
    EXPECT_EQ(daemon->loaded.warnings, prepared.loaded.warnings);
  }

  fs::path root_;
  std::string dir_;
  compose::LoadOptions options;
};

TEST_F(PrepareProject, SendsExactlyTheFilesTheLoaderRead) {
  write_full_project();
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  const auto& files = prepared->inputs.files;
  EXPECT_THAT(files,
              ElementsAre(Key(path(".env")), Key(path("base.yaml")), Key(path("compose.yaml")),
                          Key(path("inc/db.yaml")), Key(path("web.env"))));
  EXPECT_EQ(files.at(path(".env")), "TAG=1.25\nUNUSED_FROM_DOTENV=dotenv\n");
  EXPECT_EQ(files.at(path("inc/db.yaml")), "services:\n  db:\n    image: postgres:${DB_TAG:-16}\n");
  EXPECT_EQ(files.at(path("web.env")), "GREETING=hello\nEXTRA=${EXTRA_FROM_SHELL}\n");
  for (const auto& [p, content] : files) {
    EXPECT_TRUE(compose::paths::is_absolute(p)) << p;
  }
  EXPECT_EQ(prepared->inputs.config_files, std::vector<std::string>{path("compose.yaml")});
  EXPECT_EQ(prepared->inputs.working_dir, dir_);
  EXPECT_EQ(prepared->inputs.project_directory, dir_);
}

TEST_F(PrepareProject, SendsOnlyReferencedVariablesAndComposeOnes) {
  write_full_project();
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  const Env& env = prepared->inputs.environment;
  EXPECT_EQ(env, (Env{{"BARE", "bare-value"},
                      {"COMPOSE_HTTP_TIMEOUT", "30"},
                      {"COMPOSE_PROFILES", ""},
                      {"EXTRA_FROM_SHELL", "extra"},
                      {"HOME", "/home/u"},
                      {"SHELL_VALUE", "from-shell"},
                      {"TAG", "1.25"}}));
  EXPECT_THAT(env, Not(Contains(Key("AWS_SECRET"))));
  EXPECT_THAT(env, Not(Contains(Key("PATH"))));
  EXPECT_THAT(env, Not(Contains(Key("UNUSED_FROM_DOTENV"))));
  EXPECT_THAT(env, Not(Contains(Key("DB_TAG")))); // referenced but unset
}

TEST_F(PrepareProject, ResolvesTheProjectNameFromTheDirectory) {
  write_full_project();
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  EXPECT_EQ(prepared->inputs.project_name, "my_app");
  EXPECT_EQ(prepared->loaded.name, "my_app");
}

TEST_F(PrepareProject, ResolvesTheProjectNameFromTheFilesAndTheFlag) {
  file("compose.yaml", "name: ${PREFIX}-stack\nservices:\n  web:\n    image: nginx\n");
  options.environment["PREFIX"] = "blue";
  Result<PreparedProject> from_file = prepare_project(options);
  ASSERT_TRUE(from_file) << from_file.error().describe();
  EXPECT_EQ(from_file->inputs.project_name, "blue-stack");
  EXPECT_EQ(from_file->inputs.environment, (Env{{"HOME", "/home/u"}, {"PREFIX", "blue"}}));
  expect_daemon_loads_the_same(*from_file);

  options.project_name = "flagged";
  Result<PreparedProject> from_flag = prepare_project(options);
  ASSERT_TRUE(from_flag) << from_flag.error().describe();
  EXPECT_EQ(from_flag->inputs.project_name, "flagged");
  expect_daemon_loads_the_same(*from_flag);
}

TEST_F(PrepareProject, AicdLoadsExactlyWhatTheCliLoaded) {
  write_full_project();
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  nlohmann::json web = compose::to_json(prepared->loaded.model)["services"]["web"];
  // The CLI's model is the full one: sanity-check it before comparing with aicd's.
  EXPECT_EQ(web["image"], "nginx:1.25");
  EXPECT_EQ(web["labels"]["tier"], "front");
  EXPECT_EQ(web["environment"]["BASE"], "1");
  EXPECT_EQ(web["environment"]["GREETING"], "hello");
  EXPECT_EQ(web["environment"]["EXTRA"], "extra");
  EXPECT_EQ(web["environment"]["FROM_SHELL"], "from-shell");
  EXPECT_EQ(web["environment"]["BARE"], "bare-value");
  EXPECT_EQ(compose::to_json(prepared->loaded.model)["services"]["db"]["image"], "postgres:16");
  expect_daemon_loads_the_same(*prepared);
}

TEST_F(PrepareProject, AicdLoadsTheSameProjectWithEnvFileFlagsProfilesAndOverrides) {
  file("compose.yaml", R"(
services:
  web:
    image: nginx:${TAG}
  debug:
    image: busybox:${DEBUG_TAG}
    profiles: [debug]
)");
  file("compose.override.yaml", "services:\n  web:\n    environment: [OVERRIDDEN=yes]\n");
  file(".env", "TAG=dotenv\n");
  file("conf/flags.env", "TAG=flag\nDEBUG_TAG=1\n");
  options.env_files = {"conf/flags.env"};
  options.profiles = {"debug"};
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  EXPECT_EQ(prepared->inputs.config_files,
            (std::vector<std::string>{path("compose.yaml"), path("compose.override.yaml")}));
  EXPECT_EQ(prepared->inputs.env_files, std::vector<std::string>{"conf/flags.env"});
  EXPECT_EQ(prepared->inputs.profiles, std::vector<std::string>{"debug"});
  EXPECT_THAT(prepared->inputs.files, Not(Contains(Key(path(".env")))));
  EXPECT_EQ(compose::to_json(prepared->loaded.model)["services"]["web"]["image"], "nginx:flag");
  expect_daemon_loads_the_same(*prepared);
}

TEST_F(PrepareProject, AicdLoadsTheSameProjectFromASubdirectory) {
  write_full_project();
  fs::create_directories(path("src/deep"));
  file("src/deep/.env", "TAG=wrong-dotenv\n");
  options.working_dir = path("src/deep");
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  EXPECT_EQ(prepared->inputs.project_directory, dir_);
  EXPECT_EQ(compose::to_json(prepared->loaded.model)["services"]["web"]["image"], "nginx:1.25");
  expect_daemon_loads_the_same(*prepared);
}

TEST_F(PrepareProject, AicdResolvesHomeRelativePathsWithTheCallersHome) {
  file("compose.yaml", R"(
services:
  web:
    image: nginx
    volumes:
      - ~/cache:/cache
)");
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  EXPECT_EQ(compose::to_json(prepared->loaded.model)["services"]["web"]["volumes"][0]["source"],
            "/home/u/cache");
  expect_daemon_loads_the_same(*prepared);
}

TEST_F(PrepareProject, AicdReadsTheHomeRelativeEnvFileTheCliSent) {
  fs::create_directories(root_ / "home");
  std::ofstream(root_ / "home" / "web.env") << "TOKEN=abc\n";
  options.environment["HOME"] = (root_ / "home").string();
  file("compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: ~/web.env\n");
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_TRUE(prepared) << prepared.error().describe();
  EXPECT_THAT(prepared->inputs.files, Contains(Key((root_ / "home" / "web.env").string())));
  expect_daemon_loads_the_same(*prepared);
}

TEST_F(PrepareProject, ReportsLoaderErrorsWithoutSendingAnything) {
  file("compose.yaml", "services:\n  web:\n    image: nginx\n    env_file: missing.env\n");
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(prepared.error().describe(), HasSubstr("compose.yaml:4:"));
}

TEST_F(PrepareProject, ReportsAMissingProject) {
  Result<PreparedProject> prepared = prepare_project(options);
  ASSERT_FALSE(prepared);
  EXPECT_EQ(prepared.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(prepared.error().message(), HasSubstr("no configuration file"));
}

} // namespace
} // namespace aic::cli
