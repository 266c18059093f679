#include "engine/base64.hpp"
#include "engine/registry_auth.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <ostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace aic::engine {

// Found by GoogleTest through argument-dependent lookup, so outside the anonymous namespace.
void PrintTo(const RegistryAuth& a, std::ostream* os) {
  *os << "{user=\"" << a.username << "\" password=\"" << a.password << "\" token=\""
      << a.identity_token << "\" server=\"" << a.server_address << "\"}";
}

namespace {

// base64("user:pass"), base64("bob:s3cr:et"), base64("ci:tok\0\0")
constexpr const char* kUserPass = "dXNlcjpwYXNz";
constexpr const char* kBobColon = "Ym9iOnMzY3I6ZXQ=";
constexpr const char* kNulPadded = "Y2k6dG9rAAA=";

const std::string kConfig = std::string(R"({
  "auths": {
    "https://index.docker.io/v1/": {"auth": ")") +
                            kUserPass + R"("},
    "https://registry.example.com/v1/": {"auth": ")" +
                            kBobColon + R"("},
    "plain.example.com": {"username": "plain", "password": "pw", "email": "x@y"},
    "ghcr.io": {"identitytoken": "tok-123"},
    "http://old.example.com:5000": {"auth": ")" +
                            kNulPadded + R"("},
    "helper.example.com": {}
  },
  "credHelpers": {"gcr.io": "gcloud", "ghcr.io": "gh"},
  "psFormat": "table {{.ID}}",
  "proxies": {"default": {"httpProxy": "http://p:3128"}}
})";

DockerConfig parsed(std::string_view json) {
  auto config = DockerConfig::parse(json, "/home/u/.docker/config.json");
  EXPECT_TRUE(config) << config.error().describe();
  return std::move(config).value();
}

struct FindRow {
  const char* name;
  const char* key;
  std::optional<RegistryAuth> auth;
};

std::ostream& operator<<(std::ostream& os, const FindRow& r) {
  return os << r.name;
}

const RegistryAuth kHub{"user", "pass", "", "https://index.docker.io/v1/"};
const RegistryAuth kExample{"bob", "s3cr:et", "", "https://registry.example.com/v1/"};

const FindRow kFindRows[] = {
    {"DockerHubByItsIndexKey", "https://index.docker.io/v1/", kHub},
    {"DockerHubByDomain", "docker.io", kHub},
    {"DockerHubByLegacyDomain", "index.docker.io", kHub},
    {"DockerHubByRegistryHost", "registry-1.docker.io", kHub},
    {"HostMatchesAKeyWithSchemeAndPath", "registry.example.com", kExample},
    {"SchemeAndPathOnTheQueryAreIgnored", "https://registry.example.com", kExample},
    {"PlainUsernameAndPassword", "plain.example.com",
     RegistryAuth{"plain", "pw", "", "plain.example.com"}},
    {"IdentityToken", "ghcr.io", RegistryAuth{"", "", "tok-123", "ghcr.io"}},
    {"HttpKeyWithPortAndNulsTrimmedFromThePassword", "old.example.com:5000",
     RegistryAuth{"ci", "tok", "", "http://old.example.com:5000"}},
    {"PortIsPartOfTheHost", "old.example.com", std::nullopt},
    {"EntryWithoutCredentials", "helper.example.com", std::nullopt},
    {"UnknownRegistry", "quay.io", std::nullopt},
    {"SubdomainDoesNotMatch", "example.com", std::nullopt},
    {"EmptyKey", "", std::nullopt},
};

class DockerConfigFind : public ::testing::TestWithParam<FindRow> {};

TEST_P(DockerConfigFind, MatchesKeysLikeTheDockerCli) {
  const DockerConfig config = parsed(kConfig);
  EXPECT_EQ(config.find(GetParam().key), GetParam().auth);
}

INSTANTIATE_TEST_SUITE_P(Table, DockerConfigFind, ::testing::ValuesIn(kFindRows),
                         [](const ::testing::TestParamInfo<FindRow>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  std::string json;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"NotJson", "{\"auths\": ", "cfg.json: invalid JSON at byte 11"},
    {"TrailingGarbage", "{} x", "cfg.json: invalid JSON at byte 4"},
    {"NumberOutOfRange", R"({"auths": {}, "x": 1e999})",
     "cfg.json: invalid JSON: a number is out of range"},
    {"TopLevelArray", "[]", "cfg.json: expected a JSON object"},
    {"AuthsNotAnObject", R"({"auths": []})", "cfg.json: \"auths\" must be an object"},
    {"EntryNotAnObject", R"({"auths": {"r.io": "x"}})",
     "cfg.json: auths.\"r.io\" must be an object"},
    {"AuthNotAString", R"({"auths": {"r.io": {"auth": 1}}})",
     "cfg.json: auths.\"r.io\".auth must be a string"},
    {"UsernameNotAString", R"({"auths": {"r.io": {"username": true}}})",
     "cfg.json: auths.\"r.io\".username must be a string"},
    {"MalformedBase64", R"({"auths": {"r.io": {"auth": "not base64!"}}})",
     "cfg.json: the auth of registry \"r.io\" is not valid base64"},
    {"UnpaddedBase64", R"({"auths": {"r.io": {"auth": "Zm9v4"}}})",
     "cfg.json: the auth of registry \"r.io\" is not valid base64"},
    {"AuthWithoutColon", R"({"auths": {"r.io": {"auth": "Zm9v"}}})",
     "cfg.json: the auth of registry \"r.io\" is not base64 of \"user:password\""},
    {"AuthWithEmptyUser", R"({"auths": {"r.io": {"auth": "OnB3"}}})",
     "cfg.json: the auth of registry \"r.io\" is not base64 of \"user:password\""},
    {"CredsStoreNotAString", R"({"credsStore": 3})", "cfg.json: \"credsStore\" must be a string"},
    {"CredHelpersNotAnObject", R"({"credHelpers": "gh"})",
     "cfg.json: \"credHelpers\" must be an object"},
    {"CredHelperNotAString", R"({"credHelpers": {"gcr.io": {}}})",
     "cfg.json: credHelpers.\"gcr.io\" must be a string"},
};

class DockerConfigErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(DockerConfigErrors, NameTheFileAndTheField) {
  const auto config = DockerConfig::parse(GetParam().json, "cfg.json");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(config.error().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Table, DockerConfigErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(DockerConfig, BlankFileIsAnEmptyConfig) {
  for (const char* json : {"", " \n\t"}) {
    const DockerConfig config = parsed(json);
    EXPECT_TRUE(config.auths().empty());
    EXPECT_FALSE(config.uses_credential_helpers());
    EXPECT_FALSE(config.find("docker.io"));
  }
}

TEST(DockerConfig, NullSectionsAreLikeMissingOnes) {
  const DockerConfig config = parsed(R"({"auths": null, "credsStore": null, "credHelpers": null})");
  EXPECT_TRUE(config.auths().empty());
  EXPECT_FALSE(config.uses_credential_helpers());
}

TEST(DockerConfig, AuthFieldWinsOverUsernameAndPassword) {
  const DockerConfig config = parsed(std::string(R"({"auths": {"r.io": {"auth": ")") + kUserPass +
                                     R"(", "username": "x", "password": "y"}}})");
  EXPECT_EQ(config.find("r.io"), (RegistryAuth{"user", "pass", "", "r.io"}));
}

TEST(DockerConfig, KeepsOnlyEntriesWithCredentials) {
  const DockerConfig config = parsed(kConfig);
  std::vector<std::string> keys;
  for (const auto& [key, auth] : config.auths()) {
    keys.push_back(key);
  }
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "ghcr.io", "http://old.example.com:5000", "https://index.docker.io/v1/",
                      "https://registry.example.com/v1/", "plain.example.com"}));
}

TEST(DockerConfig, HelperOnlyRegistriesAreTheHelpersWithoutFileCredentials) {
  const DockerConfig config = parsed(kConfig);
  EXPECT_TRUE(config.uses_credential_helpers());
  EXPECT_EQ(config.helper_only_registries(), (std::vector<std::string>{"gcr.io"}));
}

TEST(DockerConfig, CredsStoreMakesEmptyEntriesHelperOnly) {
  const DockerConfig config = parsed(
      R"({"auths": {"https://index.docker.io/v1/": {}, "b.io": {}, "a.io": {"username": "u"}},
          "credsStore": "desktop", "credHelpers": {"c.io": "x"}})");
  EXPECT_TRUE(config.uses_credential_helpers());
  EXPECT_EQ(config.helper_only_registries(),
            (std::vector<std::string>{"b.io", "c.io", "https://index.docker.io/v1/"}));
}

TEST(DockerConfig, EmptyEntriesWithoutAHelperAreNotReported) {
  const DockerConfig config = parsed(R"({"auths": {"b.io": {}}})");
  EXPECT_FALSE(config.uses_credential_helpers());
  EXPECT_TRUE(config.helper_only_registries().empty());
}

std::string decoded_header(const std::string& header) {
  const auto json = base64_decode(header, Base64Alphabet::Url);
  EXPECT_TRUE(json) << header;
  return json.value_or("");
}

TEST(RegistryAuthHeader, EncodesUsernamePasswordAndServer) {
  const std::string header = registry_auth_header(kHub);
  EXPECT_EQ(
      decoded_header(header),
      R"({"username":"user","password":"pass","serveraddress":"https://index.docker.io/v1/"})");
}

TEST(RegistryAuthHeader, EncodesAnIdentityTokenWithoutThePassword) {
  const std::string header = registry_auth_header(RegistryAuth{"u", "p", "tok", "ghcr.io"});
  EXPECT_EQ(decoded_header(header), R"({"identitytoken":"tok","serveraddress":"ghcr.io"})");
}

TEST(RegistryAuthHeader, UsesTheUrlAlphabetWithPadding) {
  const std::string header = registry_auth_header(RegistryAuth{"~~~~~~", "", "", "a"});
  const std::string json = decoded_header(header);
  EXPECT_EQ(json, R"({"username":"~~~~~~","password":"","serveraddress":"a"})");
  EXPECT_NE(base64_encode(json).find_first_of("+/"), std::string::npos);
  EXPECT_EQ(header.find_first_of("+/"), std::string::npos) << header;
  EXPECT_EQ(header.size() % 4, 0u);
}

TEST(RegistryAuthHeader, EscapesQuotesInValues) {
  EXPECT_EQ(decoded_header(registry_auth_header(RegistryAuth{"a\"b", "c\\d", "", "r"})),
            R"({"username":"a\"b","password":"c\\d","serveraddress":"r"})");
}

TEST(RegistryConfigHeader, HasEveryEntryWithCredentialsSortedByKey) {
  const DockerConfig config =
      parsed(std::string(R"({"auths": {"z.io": {"identitytoken": "t"}, "a.io": {"auth": ")") +
             kUserPass + R"("}, "e.io": {}}})");
  EXPECT_EQ(decoded_header(registry_config_header(config)),
            R"({"a.io":{"username":"user","password":"pass","serveraddress":"a.io"},)"
            R"("z.io":{"identitytoken":"t","serveraddress":"z.io"}})");
}

TEST(RegistryConfigHeader, EmptyConfigIsAnEmptyObject) {
  EXPECT_EQ(decoded_header(registry_config_header(parsed(""))), "{}");
}

// A fresh directory under the test temp dir, removed at the end of the test.
class LoadDockerConfig : public ::testing::Test {
protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = std::filesystem::temp_directory_path() /
            ("aic_registry_auth_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  void write(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  std::filesystem::path root_;
};

TEST_F(LoadDockerConfig, ReadsDockerConfigDirectoryFirst) {
  write(root_ / "dc" / "config.json", R"({"auths": {"a.io": {"username": "dc"}}})");
  write(root_ / "home" / ".docker" / "config.json", R"({"auths": {"a.io": {"username": "h"}}})");
  const auto config = load_docker_config((root_ / "dc").c_str(), (root_ / "home").c_str());
  ASSERT_TRUE(config) << config.error().describe();
  ASSERT_TRUE(config->has_value());
  EXPECT_EQ((*config)->find("a.io")->username, "dc");
}

TEST_F(LoadDockerConfig, FallsBackToHomeWhenDockerConfigIsUnsetOrEmpty) {
  write(root_ / "home" / ".docker" / "config.json", R"({"auths": {"a.io": {"username": "h"}}})");
  for (const char* docker_config : {static_cast<const char*>(nullptr), ""}) {
    const auto config = load_docker_config(docker_config, (root_ / "home").c_str());
    ASSERT_TRUE(config) << config.error().describe();
    ASSERT_TRUE(config->has_value());
    EXPECT_EQ((*config)->find("a.io")->username, "h");
  }
}

TEST_F(LoadDockerConfig, MissingFileIsNoConfig) {
  const auto config = load_docker_config((root_ / "nowhere").c_str(), nullptr);
  ASSERT_TRUE(config) << config.error().describe();
  EXPECT_FALSE(config->has_value());
}

TEST_F(LoadDockerConfig, DoesNotFallBackToHomeWhenDockerConfigHasNoFile) {
  write(root_ / "home" / ".docker" / "config.json", "{}");
  const auto config = load_docker_config((root_ / "dc").c_str(), (root_ / "home").c_str());
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->has_value());
}

TEST_F(LoadDockerConfig, NoEnvironmentIsNoConfig) {
  for (const char* home : {static_cast<const char*>(nullptr), ""}) {
    const auto config = load_docker_config(nullptr, home);
    ASSERT_TRUE(config);
    EXPECT_FALSE(config->has_value());
  }
}

TEST_F(LoadDockerConfig, InvalidFileIsAnErrorNamingIt) {
  const auto path = root_ / "dc" / "config.json";
  write(path, "{\"auths\": {\"r.io\": {\"auth\": \"%%%%\"}}}");
  const auto config = load_docker_config((root_ / "dc").c_str(), nullptr);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(config.error().message(),
            path.string() + ": the auth of registry \"r.io\" is not valid base64");
}

TEST_F(LoadDockerConfig, DirectoryInPlaceOfTheFileIsAnErrorNamingIt) {
  const auto path = root_ / "dc" / "config.json";
  std::filesystem::create_directories(path);
  const auto config = load_docker_config((root_ / "dc").c_str(), nullptr);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(config.error().message().rfind("cannot read " + path.string() + ": ", 0), 0u)
      << config.error().message();
}

TEST_F(LoadDockerConfig, OversizedFileIsAnError) {
  const auto path = root_ / "dc" / "config.json";
  write(path, "{\"x\": \"" + std::string((4 << 20) + 1, 'a') + "\"}");
  const auto config = load_docker_config((root_ / "dc").c_str(), nullptr);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message(),
            path.string() + ": larger than 4 MiB; not a docker config file");
}

} // namespace
} // namespace aic::engine
