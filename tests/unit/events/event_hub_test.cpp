#include "events/event_hub.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace aic::events {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

proto::ProjectEvent container_event(std::string project, std::string service, std::string action) {
  proto::ProjectEvent e;
  e.project = std::move(project);
  e.type = "container";
  e.service = std::move(service);
  e.action = std::move(action);
  return e;
}

std::vector<std::uint64_t> ids(const EventBatch& batch) {
  std::vector<std::uint64_t> out;
  for (const auto& e : batch.events) {
    out.push_back(e.id);
  }
  return out;
}

class EventHubTest : public ::testing::Test {
protected:
  asio::io_context io;
  std::int64_t now_ns = 1'700'000'000'000'000'000;
  EventHub::Clock clock = [this] { return now_ns; };
};

TEST_F(EventHubTest, IdsIncreaseByOneFromOneAndTheTimeIsStampedWhenMissing) {
  EventHub hub(io.get_executor(), 8, clock);
  EXPECT_EQ(hub.last_id(), 0u);
  EXPECT_EQ(hub.publish(container_event("a", "web", "start")), 1u);
  proto::ProjectEvent dated = container_event("a", "web", "die");
  dated.time_ns = 42;
  EXPECT_EQ(hub.publish(dated), 2u);
  EXPECT_EQ(hub.last_id(), 2u);
  EventBatch all = hub.read_after(0, {}, 100);
  ASSERT_EQ(all.events.size(), 2u);
  EXPECT_EQ(all.events[0].time_ns, now_ns);
  EXPECT_EQ(all.events[1].time_ns, 42);
  EXPECT_EQ(all.lost, 0u);
  EXPECT_FALSE(all.unknown_id);
  EXPECT_EQ(all.cursor, 2u);
}

TEST_F(EventHubTest, ReadAfterReturnsExactlyTheEventsAfterTheId) {
  EventHub hub(io.get_executor(), 8, clock);
  for (int i = 0; i < 5; ++i) {
    hub.publish(container_event("a", "web", "start"));
  }
  EXPECT_EQ(ids(hub.read_after(3, {}, 100)), (std::vector<std::uint64_t>{4, 5}));
  EXPECT_TRUE(hub.read_after(5, {}, 100).events.empty());
  EXPECT_EQ(hub.read_after(5, {}, 100).cursor, 5u);
}

TEST_F(EventHubTest, OverflowDropsTheOldestAndReportsHowManyAReaderLost) {
  EventHub hub(io.get_executor(), 4, clock);
  for (int i = 0; i < 10; ++i) {
    hub.publish(container_event("a", "web", "start"));
  }
  EXPECT_EQ(hub.size(), 4u);
  EXPECT_EQ(hub.oldest_id(), 7u);
  EventBatch batch = hub.read_after(2, {}, 100);
  EXPECT_EQ(batch.lost, 4u); // 3, 4, 5 and 6 are gone
  EXPECT_FALSE(batch.unknown_id);
  EXPECT_EQ(ids(batch), (std::vector<std::uint64_t>{7, 8, 9, 10}));
  // A reader that kept up loses nothing.
  EXPECT_EQ(hub.read_after(6, {}, 100).lost, 0u);
  EXPECT_EQ(hub.read_after(0, {}, 100).lost, 6u);
}

TEST_F(EventHubTest, AnIdNewerThanAnyOfThisRunReplaysEverythingBuffered) {
  EventHub hub(io.get_executor(), 8, clock);
  hub.publish(container_event("a", "web", "start"));
  hub.publish(container_event("a", "web", "stop"));
  EventBatch batch = hub.read_after(5000, {}, 100); // from before aicd restarted
  EXPECT_TRUE(batch.unknown_id);
  EXPECT_EQ(batch.lost, 0u);
  EXPECT_EQ(ids(batch), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(batch.cursor, 2u);
  EventHub empty(io.get_executor(), 8, clock);
  EXPECT_TRUE(empty.read_after(7, {}, 100).unknown_id);
  EXPECT_EQ(empty.read_after(7, {}, 100).cursor, 0u);
}

TEST_F(EventHubTest, FiltersByProjectTypeAndServiceButTheCursorPassesWhatItSkips) {
  EventHub hub(io.get_executor(), 16, clock);
  hub.publish(container_event("a", "web", "start"));                          // 1
  hub.publish(container_event("b", "web", "start"));                          // 2
  hub.publish(container_event("a", "db", "start"));                           // 3
  hub.publish(operation_event("a", "up", proto::operation_phase::kFinished)); // 4
  hub.publish(container_event("b", "db", "die"));                             // 5

  EventFilter project_a{.project = "a"};
  EXPECT_EQ(ids(hub.read_after(0, project_a, 100)), (std::vector<std::uint64_t>{1, 3, 4}));
  EXPECT_EQ(hub.read_after(0, project_a, 100).cursor, 5u);

  EventFilter web_of_a{.project = "a", .services = {"web"}};
  // Project-wide events (no service) pass a service filter.
  EXPECT_EQ(ids(hub.read_after(0, web_of_a, 100)), (std::vector<std::uint64_t>{1, 4}));

  EventFilter operations{.types = {"operation"}};
  EventBatch ops = hub.read_after(0, operations, 100);
  ASSERT_EQ(ids(ops), (std::vector<std::uint64_t>{4}));
  EXPECT_EQ(ops.events[0].action, "up finished");
  EXPECT_EQ(ops.events[0].type, "operation");
}

TEST_F(EventHubTest, MaxEventsLimitsABatchAndTheCursorResumesAfterTheLastReturned) {
  EventHub hub(io.get_executor(), 16, clock);
  for (int i = 0; i < 6; ++i) {
    hub.publish(container_event("a", "web", "start"));
  }
  EventBatch first = hub.read_after(0, {}, 4);
  EXPECT_EQ(ids(first), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(first.cursor, 4u);
  EXPECT_EQ(ids(hub.read_after(first.cursor, {}, 4)), (std::vector<std::uint64_t>{5, 6}));
}

TEST_F(EventHubTest, LongValuesAndTooManyAttributesAreCut) {
  EventHub hub(io.get_executor(), 4, clock);
  proto::ProjectEvent big = container_event("a", "web", std::string(10'000, 'x'));
  for (int i = 0; i < 100; ++i) {
    big.attributes["k" + std::to_string(1000 + i)] = std::string(10'000, 'v');
  }
  hub.publish(big);
  const proto::ProjectEvent stored =
      hub.read_after(0, {}, 1).events.at(0); // a copy: the batch is a temporary
  EXPECT_EQ(stored.action.size(), EventHub::kMaxValueBytes);
  EXPECT_EQ(stored.attributes.size(), EventHub::kMaxAttributes);
  EXPECT_EQ(stored.attributes.begin()->second.size(), EventHub::kMaxValueBytes);
}

TEST_F(EventHubTest, WaitReturnsWhenANewerEventIsPublished) {
  EventHub hub(io.get_executor(), 4, clock);
  bool woke = false;
  auto waiter = [&]() -> asio::awaitable<void> {
    co_await hub.wait(0, std::chrono::hours(1));
    woke = true;
  };
  asio::co_spawn(io, waiter, asio::detached);
  io.run_for(20ms);
  EXPECT_FALSE(woke);
  hub.publish(container_event("a", "web", "start"));
  io.run_for(20ms);
  EXPECT_TRUE(woke);
}

TEST_F(EventHubTest, WaitReturnsAtOnceWhenAnEventIsAlreadyThereOrTheHubIsClosed) {
  EventHub hub(io.get_executor(), 4, clock);
  hub.publish(container_event("a", "web", "start"));
  int woke = 0;
  auto behind = [&]() -> asio::awaitable<void> {
    co_await hub.wait(0, std::chrono::hours(1));
    ++woke;
  };
  auto current = [&]() -> asio::awaitable<void> {
    co_await hub.wait(1, std::chrono::hours(1));
    ++woke;
  };
  asio::co_spawn(io, behind, asio::detached);
  asio::co_spawn(io, current, asio::detached);
  io.run_for(20ms);
  EXPECT_EQ(woke, 1);
  hub.close();
  io.run_for(20ms);
  EXPECT_EQ(woke, 2);
  EXPECT_TRUE(hub.closed());
}

TEST_F(EventHubTest, WaitTimesOut) {
  EventHub hub(io.get_executor(), 4, clock);
  bool woke = false;
  auto waiter = [&]() -> asio::awaitable<void> {
    co_await hub.wait(0, 10ms);
    woke = true;
  };
  asio::co_spawn(io, waiter, asio::detached);
  io.run_for(200ms);
  EXPECT_TRUE(woke);
}

TEST(OperationEvent, NamesTheOperationAndPhaseAndCarriesTheError) {
  proto::ProjectEvent failed =
      operation_event("demo", "down", proto::operation_phase::kFailed, "engine unavailable");
  EXPECT_EQ(failed.project, "demo");
  EXPECT_EQ(failed.type, "operation");
  EXPECT_EQ(failed.action, "down failed");
  EXPECT_EQ(failed.attributes.at("error"), "engine unavailable");
  EXPECT_TRUE(operation_event("demo", "up", "started").attributes.empty());
}

} // namespace
} // namespace aic::events
