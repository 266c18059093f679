#include "engine/image_ref.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace aic::engine {
namespace {

const std::string kHex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

struct Row {
  const char* name;
  std::string text;
  std::string domain;
  std::string path;
  std::string tag;
  std::string digest;
  std::string str;
  std::string familiar;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    {"OfficialImage", "redis", "docker.io", "library/redis", "latest", "",
     "docker.io/library/redis:latest", "redis:latest"},
    {"OfficialImageWithTag", "redis:7.2-alpine", "docker.io", "library/redis", "7.2-alpine", "",
     "docker.io/library/redis:7.2-alpine", "redis:7.2-alpine"},
    {"UserImage", "user/app:1", "docker.io", "user/app", "1", "", "docker.io/user/app:1",
     "user/app:1"},
    {"ExplicitDockerIo", "docker.io/redis", "docker.io", "library/redis", "latest", "",
     "docker.io/library/redis:latest", "redis:latest"},
    {"ExplicitLibrary", "docker.io/library/redis:6", "docker.io", "library/redis", "6", "",
     "docker.io/library/redis:6", "redis:6"},
    {"LegacyIndexDomain", "index.docker.io/user/app", "docker.io", "user/app", "latest", "",
     "docker.io/user/app:latest", "user/app:latest"},
    {"LibraryWithSubpathStaysQualified", "library/a/b", "docker.io", "library/a/b", "latest", "",
     "docker.io/library/a/b:latest", "library/a/b:latest"},
    {"LocalhostWithPort", "localhost:5000/x", "localhost:5000", "x", "latest", "",
     "localhost:5000/x:latest", "localhost:5000/x:latest"},
    {"BareLocalhost", "localhost/x:dev", "localhost", "x", "dev", "", "localhost/x:dev",
     "localhost/x:dev"},
    {"DottedRegistry", "ghcr.io/owner/repo/sub:v1", "ghcr.io", "owner/repo/sub", "v1", "",
     "ghcr.io/owner/repo/sub:v1", "ghcr.io/owner/repo/sub:v1"},
    {"RegistryWithPortNoDot", "myregistry:5000/app", "myregistry:5000", "app", "latest", "",
     "myregistry:5000/app:latest", "myregistry:5000/app:latest"},
    {"UpperCaseFirstComponentIsARegistry", "MyRegistry/app", "MyRegistry", "app", "latest", "",
     "MyRegistry/app:latest", "MyRegistry/app:latest"},
    {"Ipv6Registry", "[::1]:5000/app", "[::1]:5000", "app", "latest", "", "[::1]:5000/app:latest",
     "[::1]:5000/app:latest"},
    {"HostPortWithoutSlashIsATag", "localhost:5000", "docker.io", "library/localhost", "5000", "",
     "docker.io/library/localhost:5000", "localhost:5000"},
    {"DigestOnly", "redis@sha256:" + kHex64, "docker.io", "library/redis", "", "sha256:" + kHex64,
     "docker.io/library/redis@sha256:" + kHex64, "redis@sha256:" + kHex64},
    {"TagAndDigest", "redis:7@sha256:" + kHex64, "docker.io", "library/redis", "7",
     "sha256:" + kHex64, "docker.io/library/redis:7@sha256:" + kHex64, "redis:7@sha256:" + kHex64},
    {"Sha512Digest", "x@sha512:" + kHex64 + kHex64, "docker.io", "library/x", "",
     "sha512:" + kHex64 + kHex64, "docker.io/library/x@sha512:" + kHex64 + kHex64,
     "x@sha512:" + kHex64 + kHex64},
    {"SeparatorsInPath", "x/a.b_c__d-e---f", "docker.io", "x/a.b_c__d-e---f", "latest", "",
     "docker.io/x/a.b_c__d-e---f:latest", "x/a.b_c__d-e---f:latest"},
    {"TagWithUpperCaseAndDots", "app:V1.0_rc-2", "docker.io", "library/app", "V1.0_rc-2", "",
     "docker.io/library/app:V1.0_rc-2", "app:V1.0_rc-2"},
    {"TagStartingWithUnderscore", "app:_x", "docker.io", "library/app", "_x", "",
     "docker.io/library/app:_x", "app:_x"},
    {"LongestTag", "app:" + std::string(128, 't'), "docker.io", "library/app",
     std::string(128, 't'), "", "docker.io/library/app:" + std::string(128, 't'),
     "app:" + std::string(128, 't')},
    {"SixtyThreeHexIsAName", kHex64.substr(1), "docker.io", "library/" + kHex64.substr(1), "latest",
     "", "docker.io/library/" + kHex64.substr(1) + ":latest", kHex64.substr(1) + ":latest"},
};

class ParseImageRef : public ::testing::TestWithParam<Row> {};

TEST_P(ParseImageRef, NormalizesLikeDockerPull) {
  const Row& row = GetParam();
  const auto ref = parse_image_ref(row.text);
  ASSERT_TRUE(ref) << ref.error().describe();
  EXPECT_EQ(ref->domain, row.domain);
  EXPECT_EQ(ref->path, row.path);
  EXPECT_EQ(ref->tag, row.tag);
  EXPECT_EQ(ref->digest, row.digest);
  EXPECT_EQ(ref->str(), row.str);
  EXPECT_EQ(ref->familiar(), row.familiar);
}

TEST_P(ParseImageRef, ParsesItsOwnNormalizedForm) {
  const auto ref = parse_image_ref(GetParam().text);
  ASSERT_TRUE(ref);
  const auto again = parse_image_ref(ref->str());
  ASSERT_TRUE(again) << again.error().describe();
  EXPECT_EQ(*again, *ref);
  const auto familiar = parse_image_ref(ref->familiar());
  ASSERT_TRUE(familiar) << familiar.error().describe();
  EXPECT_EQ(*familiar, *ref);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseImageRef, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  std::string text;
  std::string why; // after `invalid image reference "<text>": `
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"Empty", "", "the reference is empty"},
    {"UpperCaseRepository", "Redis", "repository name must be lowercase"},
    {"UpperCaseAfterRegistry", "ghcr.io/Owner/app", "repository name must be lowercase"},
    {"ImageId", kHex64, "a 64-character hexadecimal string is an image ID, not a repository name"},
    {"EmptyTag", "redis:", "invalid tag \"\""},
    {"TagWithSlash", "user/a:b/c", "invalid tag \"b/c\""},
    {"ColonInFirstComponentMakesItARegistry", "a:b/c", "invalid registry \"a:b\""},
    {"DotInFirstComponentMakesItARegistry", "a.b_c/d", "invalid registry \"a.b_c\""},
    {"TagWithColon", "a:b:c", "invalid tag \"b:c\""},
    {"TagStartingWithDot", "a:.x", "invalid tag \".x\""},
    {"TagStartingWithDash", "a:-x", "invalid tag \"-x\""},
    {"TagWithPlus", "a:1+2", "invalid tag \"1+2\""},
    {"TooLongTag", "app:" + std::string(129, 't'), "the tag is longer than 128 characters"},
    {"EmptyDigest", "redis@", "invalid digest \"\""},
    {"ShortDigest", "redis@sha256:abc",
     "invalid digest \"sha256:abc\": sha256 needs 64 hex digits"},
    {"UpperCaseDigest", "redis@sha256:" + std::string(64, 'A'),
     "invalid digest \"sha256:" + std::string(64, 'A') + "\": not lower-case hex"},
    {"UnknownAlgorithm", "redis@md5:" + kHex64.substr(0, 32),
     "unsupported digest algorithm \"md5\""},
    {"DigestWithoutAlgorithm", "redis@:" + kHex64, "invalid digest \":" + kHex64 + "\""},
    {"DigestBeforeTag", "redis@sha256:" + kHex64 + ":7",
     "invalid digest \"sha256:" + kHex64 + ":7\": sha256 needs 64 hex digits"},
    {"EmptyPathComponent", "a//b", "invalid repository name \"a//b\""},
    {"TrailingSlash", "user/app/", "invalid repository name \"user/app/\""},
    {"LeadingSeparator", "-app", "invalid repository name \"-app\""},
    {"TrailingSeparator", "app-", "invalid repository name \"app-\""},
    {"TripleUnderscore", "a___b", "invalid repository name \"a___b\""},
    {"DoubleDot", "a..b", "invalid repository name \"a..b\""},
    {"Space", "my app", "invalid repository name \"my app\""},
    {"RegistryOnly", "ghcr.io/", "invalid repository name \"\""},
    {"RegistryWithEmptyPort", "host:/app", "invalid registry \"host:\""},
    {"RegistryWithBadPort", "host:x0/app", "invalid registry \"host:x0\""},
    {"RegistryWithUnderscore", "my_reg.io/app", "invalid registry \"my_reg.io\""},
    {"RegistryComponentEndingInDash", "reg-.io/app", "invalid registry \"reg-.io\""},
    {"RegistryEmptyComponent", "reg..io/app", "invalid registry \"reg..io\""},
    {"EmptyRegistry", ":5000/app", "invalid registry \":5000\""},
    {"EmptyIpv6", "[]:5000/app", "invalid registry \"[]:5000\""},
    {"TooLongName", "r.io/" + std::string(251, 'a'),
     "the repository name is longer than 255 characters"},
    {"TooLongAfterLibraryPrefix", std::string(238, 'a'),
     "the repository name is longer than 255 characters"},
};

class ParseImageRefErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(ParseImageRefErrors, QuoteTheReference) {
  const BadRow& row = GetParam();
  const auto ref = parse_image_ref(row.text);
  ASSERT_FALSE(ref) << ref->str();
  EXPECT_EQ(ref.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(ref.error().message(), "invalid image reference \"" + row.text + "\": " + row.why);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseImageRefErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

ImageRef parsed(const std::string& text) {
  auto ref = parse_image_ref(text);
  EXPECT_TRUE(ref) << ref.error().describe();
  return std::move(ref).value();
}

TEST(ImageRef, LongestNameIsAccepted) {
  EXPECT_EQ(parsed("r.io/" + std::string(250, 'a')).name().size(), 255u);
  EXPECT_EQ(parsed(std::string(237, 'a')).name().size(), 255u);
}

TEST(ImageRef, NameHasNoTag) {
  EXPECT_EQ(parsed("redis:7").name(), "docker.io/library/redis");
}

TEST(ImageRef, DockerHubCredentialsUseTheIndexKey) {
  EXPECT_EQ(parsed("redis").registry_key(), "https://index.docker.io/v1/");
  EXPECT_EQ(parsed("index.docker.io/u/x").registry_key(), "https://index.docker.io/v1/");
}

TEST(ImageRef, OtherRegistriesUseTheirDomainAsKey) {
  EXPECT_EQ(parsed("ghcr.io/o/x").registry_key(), "ghcr.io");
  EXPECT_EQ(parsed("localhost:5000/x").registry_key(), "localhost:5000");
}

TEST(SplitForPull, GivesTheFullNameAndTheTag) {
  EXPECT_EQ(split_for_pull(parsed("redis")),
            (std::pair<std::string, std::string>{"docker.io/library/redis", "latest"}));
  EXPECT_EQ(split_for_pull(parsed("ghcr.io/o/x:v2")),
            (std::pair<std::string, std::string>{"ghcr.io/o/x", "v2"}));
}

TEST(SplitForPull, PrefersTheDigestOverTheTag) {
  EXPECT_EQ(split_for_pull(parsed("redis:7@sha256:" + kHex64)),
            (std::pair<std::string, std::string>{"docker.io/library/redis", "sha256:" + kHex64}));
}

} // namespace
} // namespace aic::engine
