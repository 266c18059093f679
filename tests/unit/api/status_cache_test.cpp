// StatusCache: one engine call per change of a project, shared by concurrent requests; events,
// lost events, a new engine connection and age make it ask again; errors are not kept.

#include "api/status_cache.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

namespace aic::api {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

proto::ProjectEvent event(std::string project, std::string type, std::string action) {
  proto::ProjectEvent e;
  e.project = std::move(project);
  e.type = std::move(type);
  e.action = std::move(action);
  return e;
}

class StatusCacheTest : public ::testing::Test {
protected:
  StatusCacheTest()
      : hub(io.get_executor(), 8), cache(
                                       io.get_executor(), &hub, [this] { return epoch; },
                                       std::chrono::seconds(1), [this] { return now; }) {}

  /// A fetch that answers "<project> call N" after `delay`, or `failure` when set.
  StatusCache::Fetch fetch(std::chrono::milliseconds delay = std::chrono::milliseconds(0)) {
    return
        [this, delay](const std::string& project) -> asio::awaitable<Result<proto::ProjectStatus>> {
          ++calls;
          int call = calls;
          if (delay.count() > 0) {
            asio::steady_timer timer(io, delay);
            co_await timer.async_wait(asio::use_awaitable);
          }
          if (failure) {
            co_return *failure;
          }
          proto::ProjectStatus status;
          status.name = project;
          status.status = "call " + std::to_string(call);
          co_return status;
        };
  }

  /// get() run to completion: the status text, or the error's message.
  std::string get(const std::string& project) {
    std::string out;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Result<proto::ProjectStatus> r = co_await cache.get(project, fetch());
          out = r ? r->status : "error: " + r.error().message();
        },
        asio::detached);
    io.restart();
    io.run();
    return out;
  }

  asio::io_context io;
  events::EventHub hub;
  std::int64_t epoch = 0;
  Clock::time_point now = Clock::time_point(std::chrono::hours(1));
  StatusCache cache;
  int calls = 0;
  std::optional<Error> failure;
};

TEST_F(StatusCacheTest, RepeatedRequestsAskTheEngineOnce) {
  EXPECT_EQ(get("demo"), "call 1");
  EXPECT_EQ(get("demo"), "call 1");
  EXPECT_EQ(get("demo"), "call 1");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(get("other"), "call 2"); // per project
  EXPECT_EQ(cache.fetches(), 2u);
}

TEST_F(StatusCacheTest, AnEventOfTheProjectMakesTheNextRequestAskAgain) {
  EXPECT_EQ(get("demo"), "call 1");
  hub.publish(event("other", "container", "start"));
  EXPECT_EQ(get("demo"), "call 1"); // another project's event
  hub.publish(event("demo", "container", "die"));
  EXPECT_EQ(get("demo"), "call 2");
  hub.publish(event("demo", "operation", "up finished"));
  EXPECT_EQ(get("demo"), "call 3");
  hub.publish(event("demo", "supervisor", "restarting"));
  EXPECT_EQ(get("demo"), "call 4");
}

TEST_F(StatusCacheTest, HealthcheckExecEventsChangeNothing) {
  EXPECT_EQ(get("demo"), "call 1");
  hub.publish(event("demo", "container", "exec_create: true"));
  hub.publish(event("demo", "container", "exec_start: true"));
  hub.publish(event("demo", "container", "exec_die"));
  EXPECT_EQ(get("demo"), "call 1");
  hub.publish(event("demo", "container", "health_status: unhealthy"));
  EXPECT_EQ(get("demo"), "call 2");
}

TEST_F(StatusCacheTest, LostEventsForgetEveryProject) {
  EXPECT_EQ(get("demo"), "call 1");
  for (int i = 0; i < 20; ++i) { // the ring holds 8: the cache's cursor falls out of it
    hub.publish(event("other", "container", "exec_die"));
  }
  EXPECT_EQ(get("demo"), "call 2");
  EXPECT_EQ(get("demo"), "call 2");
}

TEST_F(StatusCacheTest, ANewEngineConnectionOrAgeMakesItAskAgain) {
  EXPECT_EQ(get("demo"), "call 1");
  epoch = 7; // the event stream reconnected: events may have been missed
  EXPECT_EQ(get("demo"), "call 2");
  now += std::chrono::milliseconds(999);
  EXPECT_EQ(get("demo"), "call 2");
  now += std::chrono::milliseconds(1);
  EXPECT_EQ(get("demo"), "call 3"); // "Up 3 seconds" has aged
}

TEST_F(StatusCacheTest, ExplicitInvalidate) {
  EXPECT_EQ(get("demo"), "call 1");
  cache.invalidate("demo");
  EXPECT_EQ(get("demo"), "call 2");
}

TEST_F(StatusCacheTest, ConcurrentRequestsShareOneCall) {
  std::vector<std::string> answers;
  for (int i = 0; i < 50; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Result<proto::ProjectStatus> r =
              co_await cache.get("demo", fetch(std::chrono::milliseconds(20)));
          answers.push_back(r ? r->status : r.error().message());
        },
        asio::detached);
  }
  io.run();
  ASSERT_EQ(answers.size(), 50u);
  EXPECT_EQ(calls, 1);
  for (const auto& a : answers) {
    EXPECT_EQ(a, "call 1");
  }
}

TEST_F(StatusCacheTest, AChangeDuringTheCallIsNotHiddenByItsAnswer) {
  // The list began before the event: its answer may predate the change, so it is not kept.
  std::string first;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        Result<proto::ProjectStatus> r =
            co_await cache.get("demo", fetch(std::chrono::milliseconds(20)));
        first = r->status;
      },
      asio::detached);
  io.run_one(); // the call is in flight
  hub.publish(event("demo", "container", "start"));
  io.run();
  EXPECT_EQ(first, "call 1");
  EXPECT_EQ(get("demo"), "call 2");
}

TEST_F(StatusCacheTest, NotFoundIsKeptOtherErrorsAreNot) {
  failure = Error(ErrorCode::NotFound, "no such project: demo");
  EXPECT_EQ(get("demo"), "error: no such project: demo");
  EXPECT_EQ(get("demo"), "error: no such project: demo");
  EXPECT_EQ(calls, 1);
  failure = Error(ErrorCode::EngineUnavailable, "engine down");
  EXPECT_EQ(get("gone"), "error: engine down");
  failure.reset();
  EXPECT_EQ(get("gone"), "call 3"); // the failure was not kept
}

TEST_F(StatusCacheTest, RequestsWaitingOnAFailedCallGetItsError) {
  failure = Error(ErrorCode::EngineUnavailable, "engine down");
  std::vector<std::string> answers;
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Result<proto::ProjectStatus> r =
              co_await cache.get("demo", fetch(std::chrono::milliseconds(20)));
          answers.push_back(r ? r->status : r.error().message());
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(answers.size(), 5u);
  for (const auto& a : answers) {
    EXPECT_EQ(a, "engine down");
  }
}

} // namespace
} // namespace aic::api
