#include "proto/error_body.hpp"

#include <gtest/gtest.h>

namespace aic::proto {
namespace {

TEST(ErrorBody, MapsEveryCodeToItsHttpStatus) {
  EXPECT_EQ(http_status(ErrorCode::InvalidSpec), 400);
  EXPECT_EQ(http_status(ErrorCode::NotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::Conflict), 409);
  EXPECT_EQ(http_status(ErrorCode::EngineUnavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::Timeout), 504);
  EXPECT_EQ(http_status(ErrorCode::Internal), 500);
}

TEST(ErrorBody, CarriesCodeContextAndDetailsAndReadsBack) {
  Error e(ErrorCode::InvalidSpec, "2 problems", {"a.yml:1:1: x", "a.yml:2:1: y"});
  e.with_context("loading demo");
  nlohmann::json body = error_body(e);
  EXPECT_EQ(body["error"]["code"], "invalid_spec");
  EXPECT_EQ(body["error"]["message"], "loading demo: 2 problems");
  EXPECT_EQ(body["error"]["details"].size(), 2u);
  Error back = error_from_body(body);
  EXPECT_EQ(back.code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(back.message(), "loading demo: 2 problems");
  EXPECT_EQ(back.details(), e.details());
}

TEST(ErrorBody, AnUnrecognisedBodyBecomesAnInternalError) {
  Error e = error_from_body(nlohmann::json{{"oops", 1}});
  EXPECT_EQ(e.code(), ErrorCode::Internal);
  EXPECT_NE(e.message().find("oops"), std::string::npos);
}

} // namespace
} // namespace aic::proto
