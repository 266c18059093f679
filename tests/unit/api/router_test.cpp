#include "api/request.hpp"
#include "api/router.hpp"

#include <boost/asio/awaitable.hpp>
#include <gtest/gtest.h>

namespace aic::api {
namespace {

namespace http = boost::beast::http;
using Outcome = RouteMatch::Outcome;

boost::asio::awaitable<void> nothing(Request&, Responder&) {
  co_return;
}

/// A handler that can be told apart from the others by its target.
Handler tagged(int& called, int tag) {
  return [&called, tag](Request&, Responder&) -> boost::asio::awaitable<void> {
    called = tag;
    co_return;
  };
}

TEST(Router, MatchesLiteralPath) {
  Router router;
  router.add(http::verb::get, "/v1/projects", nothing);
  const auto match = router.match(http::verb::get, "/v1/projects");
  EXPECT_EQ(match.outcome, Outcome::Found);
  EXPECT_NE(match.handler, nullptr);
  EXPECT_TRUE(match.params.empty());
}

TEST(Router, CapturesDecodedSegments) {
  Router router;
  router.add(http::verb::get, "/v1/projects/{name}/services/{service}/logs", nothing);
  const auto match = router.match(http::verb::get, "/v1/projects/my%20proj/services/a%2Fb/logs");
  ASSERT_EQ(match.outcome, Outcome::Found);
  EXPECT_EQ(match.params.at("name"), "my proj");
  EXPECT_EQ(match.params.at("service"), "a/b");
}

TEST(Router, CaptureNeedsNonEmptySegment) {
  Router router;
  router.add(http::verb::get, "/v1/projects/{name}", nothing);
  EXPECT_EQ(router.match(http::verb::get, "/v1/projects/").outcome, Outcome::NotFound);
  EXPECT_EQ(router.match(http::verb::get, "/v1/projects").outcome, Outcome::NotFound);
  EXPECT_EQ(router.match(http::verb::get, "/v1/projects/a/b").outcome, Outcome::NotFound);
}

TEST(Router, UnknownPathIsNotFound) {
  Router router;
  router.add(http::verb::get, "/v1/projects", nothing);
  const auto match = router.match(http::verb::get, "/v1/nothing");
  EXPECT_EQ(match.outcome, Outcome::NotFound);
  EXPECT_EQ(match.handler, nullptr);
}

TEST(Router, KnownPathWithOtherMethodListsAllowedMethods) {
  Router router;
  router.add(http::verb::get, "/v1/projects/{name}", nothing);
  router.add(http::verb::delete_, "/v1/projects/{name}", nothing);
  router.add(http::verb::post, "/v1/projects/{name}/up", nothing);
  const auto match = router.match(http::verb::put, "/v1/projects/demo");
  EXPECT_EQ(match.outcome, Outcome::MethodNotAllowed);
  EXPECT_EQ(match.allow_header(), "DELETE, GET");
}

TEST(Router, LiteralSegmentWinsOverCapture) {
  Router router;
  int called = 0;
  router.add(http::verb::get, "/v1/projects/{name}", tagged(called, 1));
  router.add(http::verb::get, "/v1/projects/_all", tagged(called, 2));
  const auto literal = router.match(http::verb::get, "/v1/projects/_all");
  ASSERT_EQ(literal.outcome, Outcome::Found);
  EXPECT_TRUE(literal.params.empty());
  const auto capture = router.match(http::verb::get, "/v1/projects/web");
  ASSERT_EQ(capture.outcome, Outcome::Found);
  EXPECT_EQ(capture.params.at("name"), "web");
  EXPECT_NE(literal.handler, capture.handler);
}

TEST(Router, MalformedEscapeIsBadPath) {
  Router router;
  router.add(http::verb::get, "/v1/projects/{name}", nothing);
  EXPECT_EQ(router.match(http::verb::get, "/v1/projects/a%zz").outcome, Outcome::BadPath);
  EXPECT_EQ(router.match(http::verb::get, "/v1/projects/a%2").outcome, Outcome::BadPath);
}

TEST(Router, UnknownMethodOnKnownPathIsNotAllowed) {
  Router router;
  router.add(http::verb::get, "/v1/version", nothing);
  EXPECT_EQ(router.match(http::verb::unknown, "/v1/version").outcome, Outcome::MethodNotAllowed);
}

} // namespace
} // namespace aic::api
