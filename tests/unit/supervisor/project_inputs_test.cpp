#include "compose/model_json.hpp"
#include "supervisor/project_inputs.hpp"

#include <cstdlib>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>
#include <unistd.h>

namespace aic::supervisor {
namespace {

using ::testing::HasSubstr;

/// What the CLI would send for a project in /p with one compose file.
proto::ComposeInputs inputs_for(std::string compose) {
  proto::ComposeInputs in;
  in.config_files = {"/p/compose.yaml"};
  in.working_dir = "/p";
  in.files["/p/compose.yaml"] = std::move(compose);
  return in;
}

/// Every line of the error: its message and its details.
std::string all_lines(const Error& e) {
  std::string out = e.message();
  for (const auto& d : e.details()) {
    out += "\n" + d;
  }
  return out;
}

TEST(LoadInputs, LoadsTheProjectPurelyFromTheFilesItIsGiven) {
  proto::ComposeInputs in = inputs_for(R"(
services:
  web:
    image: nginx:${TAG}
    user: ${RUN_AS}
    env_file: web.env
    environment:
      FROM_SHELL: ${SHELL_VALUE}
)");
  in.files["/p/.env"] = "TAG=1.25\nRUN_AS=dotenv-user\n";
  in.files["/p/web.env"] = "GREETING=hello\n";
  in.environment = {{"SHELL_VALUE", "from-caller"}, {"RUN_AS", "caller-user"}};

  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(loaded->loaded.name, "p");
  EXPECT_EQ(loaded->loaded.working_dir, "/p");
  EXPECT_EQ(loaded->loaded.config_files, std::vector<std::string>{"/p/compose.yaml"});
  EXPECT_EQ(loaded->loaded.env_files, std::vector<std::string>{"/p/.env"});
  nlohmann::json web = compose::to_json(loaded->loaded.model)["services"]["web"];
  EXPECT_EQ(web["image"], "nginx:1.25");
  EXPECT_EQ(web["user"], "caller-user"); // the caller's environment wins over .env
  EXPECT_EQ(web["environment"]["GREETING"], "hello");
  EXPECT_EQ(web["environment"]["FROM_SHELL"], "from-caller");

  const compose::ServiceSpec* spec = loaded->spec.service("web");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->image, "nginx:1.25");
  EXPECT_EQ(loaded->spec.name, "p");
}

TEST(LoadInputs, HonoursProjectNameProfilesAndEnvFileFlags) {
  proto::ComposeInputs in = inputs_for(R"(
services:
  web:
    image: nginx:${TAG}
  debug:
    image: busybox
    profiles: [debug]
)");
  in.files["/p/.env"] = "TAG=from-dotenv\n";
  in.files["/p/conf/flags.env"] = "TAG=from-flag\n";
  in.env_files = {"conf/flags.env"};
  in.project_name = "chosen";
  in.profiles = {"debug"};

  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(loaded->loaded.name, "chosen");
  nlohmann::json services = compose::to_json(loaded->loaded.model)["services"];
  EXPECT_EQ(services["web"]["image"], "nginx:from-flag");
  EXPECT_TRUE(services.contains("debug"));
}

TEST(LoadInputs, RefusesAnEmptyListOfComposeFiles) {
  proto::ComposeInputs in = inputs_for("services:\n  web:\n    image: nginx\n");
  in.config_files.clear();
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(loaded.error().message(), HasSubstr("no compose file"));
}

TEST(LoadInputs, RefusesARelativeWorkingDir) {
  for (std::string wd : {"", "p", "./p", "relative/dir"}) {
    proto::ComposeInputs in = inputs_for("services:\n  web:\n    image: nginx\n");
    in.working_dir = wd;
    Result<LoadedInputs> loaded = load_inputs(in);
    ASSERT_FALSE(loaded) << wd;
    EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec) << wd;
    EXPECT_THAT(loaded.error().message(), HasSubstr("working_dir")) << wd;
  }
}

TEST(LoadInputs, RefusesRelativeFilePaths) {
  proto::ComposeInputs in = inputs_for("services:\n  web:\n    image: nginx\n");
  in.files["web.env"] = "A=1\n";
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(loaded.error().message(), HasSubstr("\"web.env\""));
}

TEST(LoadInputs, ReportsLoaderErrorsWithFileAndLine) {
  proto::ComposeInputs in = inputs_for(R"(services:
  web:
    image: nginx
    ports: 5
)");
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("compose.yaml:4:"));
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("services.web.ports"));
}

TEST(LoadInputs, ReportsAMissingEnvFileWithTheKeyThatNamesIt) {
  proto::ComposeInputs in = inputs_for(R"(services:
  web:
    image: nginx
    env_file: missing.env
)");
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("compose.yaml:4:"));
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("services.web.env_file[0]"));
}

TEST(LoadInputs, ReportsAComposeFileMissingFromTheMapAsNotFound) {
  proto::ComposeInputs in = inputs_for("services:\n  web:\n    image: nginx\n");
  in.config_files.push_back("/p/compose.override.yaml");
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("compose.override.yaml: no such file"));
}

/// A real directory on aicd's disk, holding files that must never be read.
class LoadInputsDisk : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aic-inputs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name) << content;
  }
  std::string dir_;
};

TEST_F(LoadInputsDisk, AComposeFileOnDiskButNotInTheMapIsNotFound) {
  write("compose.yaml", "services:\n  web:\n    image: nginx\n");
  proto::ComposeInputs in;
  in.config_files = {dir_ + "/compose.yaml"};
  in.working_dir = dir_;
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("compose.yaml: no such file"));
}

TEST_F(LoadInputsDisk, DotEnvAndEnvFilesOnDiskAreIgnored) {
  write(".env", "TAG=from-disk\n");
  write("web.env", "A=from-disk\n");
  proto::ComposeInputs in;
  in.config_files = {dir_ + "/compose.yaml"};
  in.working_dir = dir_;
  in.files[dir_ + "/compose.yaml"] = R"(
services:
  web:
    image: nginx:${TAG:-none}
    env_file:
      - path: web.env
        required: false
)";
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_TRUE(loaded) << loaded.error().describe();
  nlohmann::json web = compose::to_json(loaded->loaded.model)["services"]["web"];
  EXPECT_EQ(web["image"], "nginx:none");
  EXPECT_FALSE(web.contains("environment")) << web.dump();
  EXPECT_TRUE(loaded->loaded.env_files.empty());
}

TEST_F(LoadInputsDisk, ARequiredEnvFileOnDiskButNotInTheMapIsNotFound) {
  write("web.env", "A=from-disk\n");
  proto::ComposeInputs in;
  in.config_files = {dir_ + "/compose.yaml"};
  in.working_dir = dir_;
  in.files[dir_ + "/compose.yaml"] = "services:\n  web:\n    image: nginx\n    env_file: web.env\n";
  Result<LoadedInputs> loaded = load_inputs(in);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(all_lines(loaded.error()), HasSubstr("not found"));
}

TEST(LoadInputs, IgnoresAicdsOwnEnvironment) {
  ASSERT_EQ(::setenv("AIC_INPUTS_TEST_TAG", "from-aicd", 1), 0);
  proto::ComposeInputs in =
      inputs_for("services:\n  web:\n    image: nginx:${AIC_INPUTS_TEST_TAG:-unset}\n");
  Result<LoadedInputs> loaded = load_inputs(in);
  ::unsetenv("AIC_INPUTS_TEST_TAG");
  ASSERT_TRUE(loaded) << loaded.error().describe();
  EXPECT_EQ(compose::to_json(loaded->loaded.model)["services"]["web"]["image"], "nginx:unset");
}

} // namespace
} // namespace aic::supervisor
