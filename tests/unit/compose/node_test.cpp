#include "compose/node.hpp"

#include <gtest/gtest.h>
#include <limits>

namespace aic::compose {
namespace {

TEST(ParseYamlInt, ReadsIntegersAsGoYamlDoes) {
  EXPECT_EQ(parse_yaml_int("0"), 0);
  EXPECT_EQ(parse_yaml_int("42"), 42);
  EXPECT_EQ(parse_yaml_int("-7"), -7);
  EXPECT_EQ(parse_yaml_int("+7"), 7);
  EXPECT_EQ(parse_yaml_int("0440"), 288);
  EXPECT_EQ(parse_yaml_int("0o17"), 15);
  EXPECT_EQ(parse_yaml_int("0x1F"), 31);
  EXPECT_EQ(parse_yaml_int("0b101"), 5);
  EXPECT_EQ(parse_yaml_int("1_000_000"), 1000000);
  EXPECT_EQ(parse_yaml_int("9223372036854775807"), std::numeric_limits<long long>::max());
  EXPECT_EQ(parse_yaml_int("-9223372036854775808"), std::numeric_limits<long long>::min());
}

TEST(ParseYamlInt, RefusesWhatIsNotAnInteger) {
  for (const char* text : {"", "-", "08", "0x", "1__0", "_1", "1_", "1.5", "12a", "0z1",
                           "9223372036854775808", "99999999999999999999", "1e3"}) {
    EXPECT_FALSE(parse_yaml_int(text).has_value()) << text;
  }
}

TEST(ResolvePlainScalar, TypesScalarsLikeTheCoreSchema) {
  EXPECT_EQ(resolve_plain_scalar(""), ScalarType::Null);
  EXPECT_EQ(resolve_plain_scalar("~"), ScalarType::Null);
  EXPECT_EQ(resolve_plain_scalar("True"), ScalarType::Bool);
  EXPECT_EQ(resolve_plain_scalar("yes"), ScalarType::String);
  EXPECT_EQ(resolve_plain_scalar("0755"), ScalarType::Int);
  EXPECT_EQ(resolve_plain_scalar("1.5"), ScalarType::Float);
  EXPECT_EQ(resolve_plain_scalar(".inf"), ScalarType::Float);
  EXPECT_EQ(resolve_plain_scalar("8080:80"), ScalarType::String);
}

TEST(Node, SetReplacesInPlaceAndEraseRemoves) {
  Node m = Node::mapping();
  m.set("a", Node::integer(1));
  m.set("b", Node::integer(2));
  m.set("a", Node::string("x"));
  ASSERT_EQ(m.entries.size(), 2u);
  EXPECT_EQ(m.entries[0].key, "a");
  EXPECT_EQ(m.find("a")->text, "x");
  EXPECT_TRUE(m.erase("a"));
  EXPECT_FALSE(m.erase("a"));
  EXPECT_EQ(m.find("a"), nullptr);
}

} // namespace
} // namespace aic::compose
