#include "engine/query.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace aic::engine {
namespace {

struct EncodeRow {
  const char* name;
  std::string text;
  const char* encoded;
};

std::ostream& operator<<(std::ostream& os, const EncodeRow& r) {
  return os << r.name;
}

const EncodeRow kEncodeRows[] = {
    {"EmptyStaysEmpty", "", ""},
    {"UnreservedAreKept", "AZaz09-._~", "AZaz09-._~"},
    {"SpaceIsPercentTwenty", "a b", "a%20b"},
    {"PlusIsEncoded", "a+b", "a%2Bb"},
    {"SlashIsEncoded", "library/redis", "library%2Fredis"},
    {"ReservedAreEncoded",
     ":/?#[]@!$&'()*,;=", "%3A%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2C%3B%3D"},
    {"JsonIsEncoded", R"({"a":["b"]})", "%7B%22a%22%3A%5B%22b%22%5D%7D"},
    {"PercentIsEncoded", "100%", "100%25"},
    {"HexIsUpperCase", "\xC3\xA9", "%C3%A9"},
    {"ControlBytesAreEncoded", std::string("\n\t\0\x7F", 4), "%0A%09%00%7F"},
    {"HighBytesAreEncoded", "\xFF", "%FF"},
};

class UrlEncode : public ::testing::TestWithParam<EncodeRow> {};

TEST_P(UrlEncode, KeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(url_encode(GetParam().text), GetParam().encoded);
}

INSTANTIATE_TEST_SUITE_P(Table, UrlEncode, ::testing::ValuesIn(kEncodeRows),
                         [](const ::testing::TestParamInfo<EncodeRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(Query, EmptyQueryIsAnEmptyString) {
  EXPECT_EQ(Query().str(), "");
}

TEST(Query, KeepsInsertionOrderAndEncodesValues) {
  Query query;
  query.add("b", "x y").add("a", "1");
  EXPECT_EQ(query.str(), "?b=x%20y&a=1");
}

TEST(Query, EncodesKeysToo) {
  EXPECT_EQ(Query().add("a b", "c").str(), "?a%20b=c");
}

TEST(Query, KeepsRepeatedKeys) {
  EXPECT_EQ(Query().add("t", "a").add("t", "b").str(), "?t=a&t=b");
}

TEST(Query, KeepsEmptyValuesGivenToAdd) {
  EXPECT_EQ(Query().add("tag", "").str(), "?tag=");
}

TEST(Query, BooleansAreOneAndZero) {
  EXPECT_EQ(Query().add_bool("all", true).add_bool("force", false).str(), "?all=1&force=0");
}

TEST(Query, AddIfSkipsEmptyValues) {
  Query query;
  query.add_if("tag", "").add_if("fromImage", "docker.io/library/redis");
  EXPECT_EQ(query.str(), "?fromImage=docker.io%2Flibrary%2Fredis");
}

TEST(Query, AddIfAloneWithEmptyValueLeavesNoQuestionMark) {
  EXPECT_EQ(Query().add_if("tag", "").str(), "");
}

TEST(EncodeFilters, SortsKeysAndKeepsValueOrder) {
  const std::string json = encode_filters({{"type", {"container"}}, {"label", {"b=2", "a=1"}}});
  EXPECT_EQ(json, R"({"label":["b=2","a=1"],"type":["container"]})");
}

TEST(EncodeFilters, EmptyMapIsAnEmptyObject) {
  EXPECT_EQ(encode_filters({}), "{}");
}

TEST(EncodeFilters, KeyWithNoValuesIsAnEmptyArray) {
  EXPECT_EQ(encode_filters({{"dangling", {}}}), R"({"dangling":[]})");
}

TEST(EncodeFilters, EscapesQuotesAndBackslashes) {
  EXPECT_EQ(encode_filters({{"label", {"a=\"x\\y\""}}}), R"({"label":["a=\"x\\y\""]})");
}

TEST(EncodeFilters, ReplacesInvalidUtf8InsteadOfThrowing) {
  EXPECT_EQ(encode_filters({{"label", {"a=\xFF"}}}), "{\"label\":[\"a=\xEF\xBF\xBD\"]}");
}

TEST(EncodeFilters, IsUrlEncodedWhenAddedToAQuery) {
  const auto query = Query().add("filters", encode_filters({{"label", {"a=b"}}})).str();
  EXPECT_EQ(query, "?filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
}

TEST(Query, AddsFiltersOnlyWhenThereAreSome) {
  EXPECT_EQ(Query().add_filters({}).str(), "");
  EXPECT_EQ(Query().add("all", "1").add_filters({{"label", {"a=b"}}}).str(),
            "?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D");
}

} // namespace
} // namespace aic::engine
