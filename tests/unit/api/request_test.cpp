#include "api/auth.hpp"
#include "api/request.hpp"

#include <gtest/gtest.h>

namespace aic::api {
namespace {

TEST(UrlDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(url_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(url_decode("a+b"), "a+b");
  EXPECT_EQ(url_decode("a+b", true), "a b");
  EXPECT_EQ(url_decode("%e2%9C%93"), "\xe2\x9c\x93");
}

TEST(UrlDecode, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(url_decode("%"));
  EXPECT_FALSE(url_decode("a%2"));
  EXPECT_FALSE(url_decode("%zz"));
  EXPECT_FALSE(url_decode("%00"));
}

TEST(ParseTarget, SplitsPathAndDecodesQuery) {
  Request request;
  ASSERT_TRUE(parse_target("/v1/projects/a%20b?all=1&name=my+proj&filter=%7B%7D&flag", request));
  EXPECT_EQ(request.path, "/v1/projects/a%20b");
  EXPECT_EQ(request.query.at("all"), "1");
  EXPECT_EQ(request.query.at("name"), "my proj");
  EXPECT_EQ(request.query.at("filter"), "{}");
  EXPECT_EQ(request.query.at("flag"), "");
  EXPECT_EQ(request.query_value("all"), "1");
  EXPECT_FALSE(request.query_value("missing"));
}

TEST(ParseTarget, RepeatedParameterKeepsLastValue) {
  Request request;
  ASSERT_TRUE(parse_target("/x?a=1&a=2", request));
  EXPECT_EQ(request.query.at("a"), "2");
}

TEST(ParseTarget, RejectsNonOriginFormAndBadEscapes) {
  Request request;
  EXPECT_FALSE(parse_target("http://host/v1/x", request));
  EXPECT_FALSE(parse_target("*", request));
  EXPECT_FALSE(parse_target("/x?a=%zz", request));
  const auto error = parse_target("", request);
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().code(), ErrorCode::InvalidSpec);
}

TEST(Request, HeaderLookupIgnoresCase) {
  Request request;
  request.headers.emplace("Content-Type", "application/json");
  EXPECT_EQ(request.header("content-type"), "application/json");
  EXPECT_EQ(request.header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(request.header("accept"));
}

TEST(Request, MissingParamIsEmpty) {
  Request request;
  request.params["name"] = "demo";
  EXPECT_EQ(request.param("name"), "demo");
  EXPECT_EQ(request.param("other"), "");
}

TEST(BearerToken, MatchesOnlyTheExactToken) {
  EXPECT_TRUE(bearer_token_matches("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_matches("bearer s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer s3cretX", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearers3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_matches(std::nullopt, "s3cret"));
  EXPECT_FALSE(bearer_token_matches("Bearer ", ""));
}

TEST(BearerToken, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abd", "abc"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

} // namespace
} // namespace aic::api
