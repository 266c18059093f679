#include "cli/cli.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>

namespace aic::cli {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

/// Runs `aic` in a temporary project directory with files written to disk.
class ConfigCommand : public ::testing::Test {
protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aic-config-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  void file(const std::string& name, const std::string& content) {
    fs::create_directories((dir_ / name).parent_path());
    std::ofstream(dir_ / name) << content;
  }

  int run_aic(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    Invocation inv{std::move(args), env_, dir_.string(), &out_, &err_};
    return run(inv);
  }

  fs::path dir_;
  std::map<std::string, std::string> env_{{"HOME", "/root"}};
  std::ostringstream out_;
  std::ostringstream err_;
};

constexpr const char* kTwoServices = R"(
services:
  web:
    image: nginx
    ports: ["8080:80"]
    depends_on: [db]
    profiles: [front]
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data:
)";

TEST_F(ConfigCommand, PrintsTheCanonicalModelAsYaml) {
  file("compose.yaml", kTwoServices);
  ASSERT_EQ(run_aic({"--profile", "front", "config"}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("    ports:\n      - mode: ingress\n        protocol: tcp\n"
                                    "        published: \"8080\"\n        target: 80\n"));
  EXPECT_EQ(out_.str().rfind("name: ", 0), 0u);
}

TEST_F(ConfigCommand, PrintsJsonWithSortedKeys) {
  file("compose.yaml", kTwoServices);
  ASSERT_EQ(run_aic({"config", "--format", "json", "--profile", "front"}), 0) << err_.str();
  nlohmann::json j = nlohmann::json::parse(out_.str());
  EXPECT_EQ(j["services"]["web"]["ports"][0]["published"], "8080");
  EXPECT_EQ(j["volumes"]["data"]["name"], j["name"].get<std::string>() + "_data");
}

TEST_F(ConfigCommand, TwoRunsAreByteIdentical) {
  file("compose.yaml", kTwoServices);
  ASSERT_EQ(run_aic({"config"}), 0);
  std::string first = out_.str();
  ASSERT_EQ(run_aic({"config"}), 0);
  EXPECT_EQ(first, out_.str());
}

TEST_F(ConfigCommand, ListsServicesVolumesNetworksProfilesAndImages) {
  file("compose.yaml", kTwoServices);
  ASSERT_EQ(run_aic({"config", "--services"}), 0);
  EXPECT_EQ(out_.str(), "db\n");
  ASSERT_EQ(run_aic({"config", "--services", "--profile", "front"}), 0);
  EXPECT_EQ(out_.str(), "db\nweb\n");
  ASSERT_EQ(run_aic({"config", "--volumes"}), 0);
  EXPECT_EQ(out_.str(), "data\n");
  ASSERT_EQ(run_aic({"config", "--networks"}), 0);
  EXPECT_EQ(out_.str(), "default\n");
  ASSERT_EQ(run_aic({"config", "--profiles"}), 0);
  EXPECT_EQ(out_.str(), "front\n");
  ASSERT_EQ(run_aic({"--profile=front", "config", "--images"}), 0);
  EXPECT_EQ(out_.str(), "nginx\npostgres\n");
}

TEST_F(ConfigCommand, NamesImagesOfBuildOnlyServicesAfterTheProject) {
  file("compose.yaml", "name: demo\nservices:\n  api:\n    build: .\n");
  ASSERT_EQ(run_aic({"config", "--images"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "demo-api\n");
}

TEST_F(ConfigCommand, QuietOnlyValidates) {
  file("compose.yaml", kTwoServices);
  EXPECT_EQ(run_aic({"config", "-q"}), 0);
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ConfigCommand, WritesToTheOutputFile) {
  file("compose.yaml", kTwoServices);
  ASSERT_EQ(run_aic({"config", "-o", (dir_ / "out.yaml").string()}), 0);
  EXPECT_EQ(out_.str(), "");
  std::ifstream in(dir_ / "out.yaml");
  std::string first_line;
  std::getline(in, first_line);
  EXPECT_EQ(first_line.rfind("name: aic-config-test-", 0), 0u);
}

TEST_F(ConfigCommand, AcceptsProjectFlagsBeforeAndAfterTheCommand) {
  file("a.yaml", "services:\n  a:\n    image: a\n");
  file("b.yaml", "services:\n  b:\n    image: b\n");
  ASSERT_EQ(run_aic({"-f", "a.yaml", "config", "-f", "b.yaml", "--services"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "a\nb\n");
  ASSERT_EQ(run_aic({"--file=a.yaml", "-p", "named", "config", "--format=json"}), 0);
  EXPECT_EQ(nlohmann::json::parse(out_.str())["name"], "named");
}

TEST_F(ConfigCommand, NoInterpolateKeepsVariables) {
  file("compose.yaml", "services:\n  a:\n    image: app:${TAG:-1}\n");
  ASSERT_EQ(run_aic({"config", "--no-interpolate", "--format", "json"}), 0) << err_.str();
  EXPECT_EQ(nlohmann::json::parse(out_.str())["services"]["a"]["image"], "app:${TAG:-1}");
}

TEST_F(ConfigCommand, UsesTheEnvFileFlag) {
  file("compose.yaml", "services:\n  a:\n    image: app:${TAG}\n");
  file("prod.env", "TAG=prod\n");
  ASSERT_EQ(run_aic({"--env-file", "prod.env", "config", "--images"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "app:prod\n");
}

TEST_F(ConfigCommand, PrintsEveryErrorWithFileLineAndKeyAndExitsOne) {
  file("compose.yaml", "services:\n  a:\n    image: a\n    ports: [\"80a\"]\n    foo: 1\n");
  EXPECT_EQ(run_aic({"config"}), 1);
  EXPECT_EQ(err_.str(), "error: compose.yaml:5:5: services.a: unknown key \"foo\"\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ConfigCommand, PrintsWarningsOnStandardError) {
  file("compose.yaml", "version: '3'\nservices:\n  a:\n    image: a\n");
  ASSERT_EQ(run_aic({"config", "-q"}), 0);
  EXPECT_THAT(err_.str(), HasSubstr("warning: compose.yaml:1:1: version: the attribute `version` "
                                    "is obsolete"));
}

TEST_F(ConfigCommand, RejectsUnknownFlagsAndFormatsWithUsageExitCode) {
  file("compose.yaml", kTwoServices);
  EXPECT_EQ(run_aic({"config", "--bogus"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("unknown flag: --bogus"));
  EXPECT_EQ(run_aic({"config", "--format", "xml"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("unsupported --format \"xml\""));
}

TEST_F(ConfigCommand, RejectsAnUnknownCommand) {
  EXPECT_EQ(run_aic({"frobnicate"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("unknown command \"frobnicate\""));
}

TEST_F(ConfigCommand, HelpListsTheFlags) {
  EXPECT_EQ(run_aic({"config", "--help"}), 0);
  for (const char* flag :
       {"--file", "--project-name", "--project-directory", "--env-file", "--profile", "--format",
        "--quiet", "--services", "--volumes", "--networks", "--profiles", "--images",
        "--no-interpolate", "--output"}) {
    EXPECT_THAT(out_.str(), HasSubstr(flag));
  }
}

} // namespace
} // namespace aic::cli
