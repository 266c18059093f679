#include "../core/coroutine_test_support.hpp"
#include "supervisor/async_sync.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <vector>

// GCC 12 miscompiles temporaries with destructors inside a co_await expression, and co_await in
// a catch block: every coroutine below builds named locals first.

namespace aic::supervisor {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using ::testing::ElementsAre;

using coroutine_test::sleep_for;
using coroutine_test::spawn;

// ---- AsyncMutex -------------------------------------------------------------------------------

struct MutexProbe {
  explicit MutexProbe(asio::any_io_executor ex) : mutex(std::move(ex)) {}
  AsyncMutex mutex;
  std::vector<int> order;
  int inside = 0;
  int max_inside = 0;
};

asio::awaitable<void> hold_lock(MutexProbe* probe, int id, std::chrono::milliseconds hold) {
  co_await probe->mutex.lock();
  probe->order.push_back(id);
  probe->max_inside = std::max(probe->max_inside, ++probe->inside);
  co_await sleep_for(hold);
  --probe->inside;
  probe->mutex.unlock();
}

TEST(AsyncMutex, GivesTheLockInFifoOrder) {
  asio::io_context io;
  MutexProbe probe(io.get_executor());
  for (int id = 0; id < 6; ++id) {
    // Later arrivals hold it for less time: a mutex that is not FIFO would reorder them.
    std::chrono::milliseconds hold(6 - id);
    spawn(io, hold_lock(&probe, id, hold));
  }
  io.run();
  EXPECT_THAT(probe.order, ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(probe.max_inside, 1);
}

asio::awaitable<void> lock_unlock_relock(MutexProbe* probe) {
  co_await probe->mutex.lock();
  probe->order.push_back(1);
  co_await sleep_for(2ms); // the second coroutine queues meanwhile
  probe->mutex.unlock();
  // Straight back in, without yielding: the waiter was first and must keep its turn.
  co_await probe->mutex.lock();
  probe->order.push_back(3);
  probe->mutex.unlock();
}

asio::awaitable<void> lock_once(MutexProbe* probe, int id) {
  co_await probe->mutex.lock();
  probe->order.push_back(id);
  probe->mutex.unlock();
}

TEST(AsyncMutex, AHolderThatRelocksQueuesBehindTheWaiters) {
  asio::io_context io;
  MutexProbe probe(io.get_executor());
  spawn(io, lock_unlock_relock(&probe));
  spawn(io, lock_once(&probe, 2));
  io.run();
  EXPECT_THAT(probe.order, ElementsAre(1, 2, 3));
}

TEST(AsyncMutex, IsFreeAgainOnceEveryWaiterHasUnlocked) {
  asio::io_context io;
  MutexProbe probe(io.get_executor());
  spawn(io, lock_once(&probe, 1));
  spawn(io, lock_once(&probe, 2));
  io.run();
  io.restart();
  spawn(io, lock_once(&probe, 3));
  io.run();
  EXPECT_THAT(probe.order, ElementsAre(1, 2, 3));
}

// ---- Signal -----------------------------------------------------------------------------------

struct SignalProbe {
  explicit SignalProbe(asio::any_io_executor ex) : signal(std::move(ex)) {}
  Signal signal;
  std::vector<std::chrono::steady_clock::duration> waited;
};

asio::awaitable<void> wait_on(SignalProbe* probe, std::chrono::milliseconds timeout) {
  auto start = std::chrono::steady_clock::now();
  co_await probe->signal.wait(timeout);
  probe->waited.push_back(std::chrono::steady_clock::now() - start);
}

asio::awaitable<void> notify_after(SignalProbe* probe, std::chrono::milliseconds delay) {
  co_await sleep_for(delay);
  probe->signal.notify_all();
}

TEST(Signal, WaitReturnsOnNotifyBeforeItsTimeout) {
  asio::io_context io;
  SignalProbe probe(io.get_executor());
  spawn(io, wait_on(&probe, 60s));
  spawn(io, wait_on(&probe, 60s));
  spawn(io, notify_after(&probe, 5ms));
  auto start = std::chrono::steady_clock::now();
  io.run();
  ASSERT_EQ(probe.waited.size(), 2u); // every waiter woke
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Signal, WaitReturnsOnTimeoutWithoutNotify) {
  asio::io_context io;
  SignalProbe probe(io.get_executor());
  spawn(io, wait_on(&probe, 20ms));
  auto start = std::chrono::steady_clock::now();
  io.run();
  ASSERT_EQ(probe.waited.size(), 1u);
  EXPECT_GE(probe.waited[0], 20ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(Signal, NotifyWithoutWaitersDoesNothingAndDoesNotWakeLaterWaiters) {
  asio::io_context io;
  SignalProbe probe(io.get_executor());
  probe.signal.notify_all();
  spawn(io, wait_on(&probe, 20ms));
  io.run();
  ASSERT_EQ(probe.waited.size(), 1u);
  EXPECT_GE(probe.waited[0], 20ms);
}

// ---- run_parallel -----------------------------------------------------------------------------

/// Records the results of run_parallel and when each task ran.
struct ParallelProbe {
  std::vector<Result<void>> results;
  bool returned = false;
  int started = 0;
  int running = 0;
  int most_running = 0;
  std::vector<int> started_seen_at_end; ///< `started` as each task saw it when it ended
  std::vector<int> finish_order;
};

asio::awaitable<Result<void>> sleeping_task(ParallelProbe* probe, int id,
                                            std::chrono::milliseconds d, Result<void> outcome) {
  ++probe->started;
  probe->most_running = std::max(probe->most_running, ++probe->running);
  co_await sleep_for(d);
  --probe->running;
  probe->started_seen_at_end.push_back(probe->started);
  probe->finish_order.push_back(id);
  co_return outcome;
}

asio::awaitable<Result<void>> throwing_task(ParallelProbe* probe, std::chrono::milliseconds d) {
  ++probe->started;
  co_await sleep_for(d);
  throw std::runtime_error("boom");
}

asio::awaitable<void> run_tasks(ParallelProbe* probe, std::vector<Task> tasks) {
  auto executor = co_await asio::this_coro::executor;
  std::vector<Result<void>> results = co_await run_parallel(executor, std::move(tasks));
  probe->results = std::move(results);
  probe->returned = true;
}

TEST(RunParallel, ReturnsResultsInTheOrderGiven) {
  asio::io_context io;
  ParallelProbe probe;
  std::vector<Task> tasks;
  // Finish in the reverse order of the list.
  tasks.push_back([&probe] { return sleeping_task(&probe, 0, 30ms, Result<void>()); });
  tasks.push_back([&probe] {
    return sleeping_task(&probe, 1, 20ms, Result<void>(Error(ErrorCode::Conflict, "taken")));
  });
  tasks.push_back([&probe] { return sleeping_task(&probe, 2, 1ms, Result<void>()); });
  spawn(io, run_tasks(&probe, std::move(tasks)));
  io.run();
  ASSERT_TRUE(probe.returned);
  ASSERT_EQ(probe.results.size(), 3u);
  EXPECT_TRUE(probe.results[0]);
  ASSERT_FALSE(probe.results[1]);
  EXPECT_EQ(probe.results[1].error().code(), ErrorCode::Conflict);
  EXPECT_EQ(probe.results[1].error().message(), "taken");
  EXPECT_TRUE(probe.results[2]);
  EXPECT_THAT(probe.finish_order, ElementsAre(2, 1, 0));
}

TEST(RunParallel, RunsTheTasksConcurrently) {
  asio::io_context io;
  ParallelProbe probe;
  std::vector<Task> tasks;
  for (int id = 0; id < 4; ++id) {
    tasks.push_back([&probe, id] { return sleeping_task(&probe, id, 5ms, Result<void>()); });
  }
  spawn(io, run_tasks(&probe, std::move(tasks)));
  io.run();
  ASSERT_TRUE(probe.returned);
  // Every task had started before the first one ended.
  EXPECT_THAT(probe.started_seen_at_end, ElementsAre(4, 4, 4, 4));
}

TEST(RunParallel, RunsAtMostNAtOnceAndStartsTheNextAsSoonAsOneEnds) {
  asio::io_context io;
  ParallelProbe probe;
  std::vector<Task> tasks;
  // One slow task and four quick ones, two at a time: the quick ones pass the slow one by.
  tasks.push_back([&probe] { return sleeping_task(&probe, 0, 60ms, Result<void>()); });
  for (int id = 1; id < 5; ++id) {
    tasks.push_back([&probe, id] {
      return sleeping_task(&probe, id, 5ms,
                           id == 3 ? Result<void>(Error(ErrorCode::Conflict, "three"))
                                   : Result<void>());
    });
  }
  tasks.push_back([]() -> asio::awaitable<Result<void>> { throw std::logic_error("no"); });
  bool returned = false;
  std::vector<Result<void>> results;
  // Named: a coroutine lambda's captures live in the lambda, which must outlive io.run().
  auto body = [&]() -> asio::awaitable<void> {
    results = co_await run_parallel(io.get_executor(), std::move(tasks), 2);
    returned = true;
  };
  spawn(io, body());
  io.run();
  ASSERT_TRUE(returned);
  EXPECT_EQ(probe.most_running, 2);
  EXPECT_THAT(probe.finish_order, ElementsAre(1, 2, 3, 4, 0));
  ASSERT_EQ(results.size(), 6u);
  EXPECT_TRUE(results[0] && results[1] && results[2] && results[4]);
  ASSERT_FALSE(results[3]);
  EXPECT_EQ(results[3].error().message(), "three");
  ASSERT_FALSE(results[5]);
  EXPECT_EQ(results[5].error().code(), ErrorCode::Internal);
}

TEST(RunParallel, TurnsAThrowingTaskIntoAnInternalError) {
  asio::io_context io;
  ParallelProbe probe;
  std::vector<Task> tasks;
  tasks.push_back([&probe] { return sleeping_task(&probe, 0, 5ms, Result<void>()); });
  tasks.push_back([&probe] { return throwing_task(&probe, 1ms); });
  tasks.push_back([&probe] { return sleeping_task(&probe, 2, 10ms, Result<void>()); });
  spawn(io, run_tasks(&probe, std::move(tasks)));
  io.run();
  ASSERT_TRUE(probe.returned);
  ASSERT_EQ(probe.results.size(), 3u);
  EXPECT_TRUE(probe.results[0]);
  ASSERT_FALSE(probe.results[1]);
  EXPECT_EQ(probe.results[1].error().code(), ErrorCode::Internal);
  EXPECT_TRUE(probe.results[2]);
  // The other tasks still ran to their end.
  EXPECT_THAT(probe.finish_order, ElementsAre(0, 2));
}

TEST(RunParallel, TurnsATaskThatThrowsBeforeItsCoroutineStartsIntoAnInternalError) {
  asio::io_context io;
  ParallelProbe probe;
  std::vector<Task> tasks;
  tasks.push_back([]() -> asio::awaitable<Result<void>> { throw std::logic_error("no"); });
  tasks.push_back([&probe] { return sleeping_task(&probe, 1, 1ms, Result<void>()); });
  spawn(io, run_tasks(&probe, std::move(tasks)));
  io.run();
  ASSERT_TRUE(probe.returned);
  ASSERT_EQ(probe.results.size(), 2u);
  ASSERT_FALSE(probe.results[0]);
  EXPECT_EQ(probe.results[0].error().code(), ErrorCode::Internal);
  EXPECT_TRUE(probe.results[1]);
}

TEST(RunParallel, ReturnsAtOnceWithNoTasks) {
  asio::io_context io;
  ParallelProbe probe;
  spawn(io, run_tasks(&probe, {}));
  auto start = std::chrono::steady_clock::now();
  io.run();
  ASSERT_TRUE(probe.returned);
  EXPECT_TRUE(probe.results.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

} // namespace
} // namespace aic::supervisor
