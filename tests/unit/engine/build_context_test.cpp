#include "engine/build_context.hpp"

#include <gtest/gtest.h>

namespace aic::engine {
namespace {

TEST(PlaceDockerfile, DefaultsToDockerfileInTheContext) {
  const auto placed = place_dockerfile("/src/app", "");
  EXPECT_EQ(placed.name, "Dockerfile");
  EXPECT_EQ(placed.inject_from, "");
}

TEST(PlaceDockerfile, KeepsARelativePathInsideTheContext) {
  const auto placed = place_dockerfile("/src/app", "docker/./prod.Dockerfile");
  EXPECT_EQ(placed.name, "docker/prod.Dockerfile");
  EXPECT_EQ(placed.inject_from, "");
}

TEST(PlaceDockerfile, MakesAnAbsolutePathInsideTheContextRelative) {
  const auto placed = place_dockerfile("/src/app", "/src/app/build/Dockerfile");
  EXPECT_EQ(placed.name, "build/Dockerfile");
  EXPECT_EQ(placed.inject_from, "");
}

TEST(PlaceDockerfile, InjectsARelativePathThatLeavesTheContext) {
  const auto placed = place_dockerfile("/src/app", "../docker/app.Dockerfile");
  EXPECT_EQ(placed.name.rfind(".aic-dockerfile-", 0), 0u) << placed.name;
  EXPECT_EQ(placed.inject_from, "/src/docker/app.Dockerfile");
}

TEST(PlaceDockerfile, InjectsAnAbsolutePathOutsideTheContextUnderAStableName) {
  const auto first = place_dockerfile("/src/app", "/etc/builds/Dockerfile");
  const auto again = place_dockerfile("/src/app", "/etc/builds/Dockerfile");
  const auto other = place_dockerfile("/src/app", "/etc/other/Dockerfile");
  EXPECT_EQ(first.inject_from, "/etc/builds/Dockerfile");
  EXPECT_EQ(first.name, again.name);
  EXPECT_NE(first.name, other.name);
}

} // namespace
} // namespace aic::engine
