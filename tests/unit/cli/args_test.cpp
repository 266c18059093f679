#include "cli/args.hpp"

#include <gtest/gtest.h>

namespace aic::cli {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"file", 'f', true, "FILE", ""},
    {"quiet", 'q', false, "", ""},
    {"all", 'a', false, "", ""},
};

TEST(Args, ParsesLongShortInlineAndRepeatedFlags) {
  auto parsed = parse_args({"-f", "a", "--file=b", "-fc", "--file", "d", "x"}, kSpecs);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->all("file"), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(parsed->last("file"), "d");
  EXPECT_EQ(parsed->positionals(), std::vector<std::string>{"x"});
}

TEST(Args, GroupsShortBooleans) {
  auto parsed = parse_args({"-qa"}, kSpecs);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->has("quiet"));
  EXPECT_TRUE(parsed->has("all"));
}

TEST(Args, TreatsEverythingAfterDoubleDashAsPositional) {
  auto parsed = parse_args({"--", "-q", "--file"}, kSpecs);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->has("quiet"));
  EXPECT_EQ(parsed->positionals().size(), 2u);
}

TEST(Args, RejectsUnknownFlagsAndMissingValues) {
  EXPECT_EQ(parse_args({"--nope"}, kSpecs).error().message(), "unknown flag: --nope");
  EXPECT_EQ(parse_args({"-z"}, kSpecs).error().message(), "unknown shorthand flag: 'z' in -z");
  EXPECT_EQ(parse_args({"--file"}, kSpecs).error().message(), "flag needs an argument: --file");
  EXPECT_EQ(parse_args({"--quiet=maybe"}, kSpecs).error().message(), "flag --quiet takes no value");
}

TEST(Args, BooleanFlagsAcceptExplicitTrueAndFalse) {
  auto parsed = parse_args({"--quiet=false", "--all=true"}, kSpecs);
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->has("quiet"));
  EXPECT_TRUE(parsed->has("all"));
}

} // namespace
} // namespace aic::cli
