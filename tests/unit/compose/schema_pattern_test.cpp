#include "compose/schema_pattern.hpp"

#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

namespace aic::compose {
namespace {

TEST(SchemaPattern, MatchesTheSchemasPatternsLikeJsonSchemaSearch) {
  SchemaPattern name("^[a-zA-Z0-9._-]+$");
  EXPECT_TRUE(name.search("web-1.v2_x"));
  EXPECT_FALSE(name.search("web 1"));
  EXPECT_FALSE(name.search(""));
  SchemaPattern prefix("^x-");
  EXPECT_TRUE(prefix.search("x-aic"));
  EXPECT_FALSE(prefix.search("ax-"));
  SchemaPattern unanchored("b+c");
  EXPECT_TRUE(unanchored.search("aabbbcd"));
  SchemaPattern alternation("^(ab|cd)?e$");
  EXPECT_TRUE(alternation.search("e"));
  EXPECT_TRUE(alternation.search("cde"));
  EXPECT_FALSE(alternation.search("abcde"));
}

TEST(SchemaPattern, RunsInLinearTimeOnHostileText) {
  SchemaPattern nested("^(a+)+$");
  EXPECT_FALSE(nested.search(std::string(100'000, 'a') + "!"));
}

TEST(SchemaPattern, RefusesSyntaxOutsideTheSubset) {
  EXPECT_THROW(SchemaPattern("(?i)x"), std::runtime_error);
  EXPECT_THROW(SchemaPattern("a)"), std::runtime_error);
}

} // namespace
} // namespace aic::compose
