#include "proto/archive_types.hpp"
#include "proto/image_requests.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

TEST(ImageRequests, BuildRequestRoundTripsWithValuelessBuildArgsAsNull) {
  BuildRequest in;
  in.inputs.config_files = {"/p/compose.yaml"};
  in.services = {"web"};
  in.no_cache = true;
  in.pull = true;
  in.quiet = true;
  in.build_args = {{"VERSION", "1.2"}, {"FROM_ENV", std::nullopt}};
  nlohmann::json j = in;
  EXPECT_TRUE(j["build_args"]["FROM_ENV"].is_null());
  EXPECT_EQ(j["build_args"]["VERSION"], "1.2");
  EXPECT_EQ(j.get<BuildRequest>(), in);
}

TEST(ImageRequests, BuildArgsOfTheWrongTypeAreRefused) {
  nlohmann::json j = {{"build_args", {{"A", 1}}}};
  EXPECT_THROW((void)j.get<BuildRequest>(), nlohmann::json::exception);
  nlohmann::json list = {{"build_args", {"A=1"}}};
  EXPECT_THROW((void)list.get<BuildRequest>(), nlohmann::json::exception);
}

TEST(ImageRequests, PullRequestRoundTrips) {
  PullRequest in;
  in.services = {"db", "web"};
  in.quiet = true;
  in.ignore_pull_failures = true;
  in.include_deps = true;
  in.ignore_buildable = true;
  in.policy = "always";
  nlohmann::json j = in;
  EXPECT_EQ(j.get<PullRequest>(), in);
  EXPECT_EQ(nlohmann::json::object().get<PullRequest>(), PullRequest{});
}

TEST(ArchiveTypes, PathStatModeBitsAreGoFileModes) {
  PathStat dir{"etc", 4096, (1U << 31U) | 0755U, "", ""};
  PathStat link{"l", 3, (1U << 27U) | 0777U, "", "/etc"};
  PathStat file{"f", 3, 0644U, "", ""};
  EXPECT_TRUE(dir.is_dir());
  EXPECT_FALSE(dir.is_regular());
  EXPECT_TRUE(link.is_symlink());
  EXPECT_FALSE(link.is_regular());
  EXPECT_TRUE(file.is_regular());
  ArchiveTarget target{"p-web-1", "web", 1, false, link};
  nlohmann::json j = target;
  EXPECT_EQ(j["stat"]["link_target"], "/etc");
  EXPECT_EQ(j.get<ArchiveTarget>(), target);
  ArchiveTarget missing{"p-web-2", "web", 2, false, std::nullopt};
  j = missing;
  EXPECT_TRUE(j["stat"].is_null());
  EXPECT_EQ(j.get<ArchiveTarget>(), missing);
}

} // namespace
} // namespace aic::proto
