#include "core/async_semaphore.hpp"
#include "coroutine_test_support.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <gtest/gtest.h>
#include <vector>

// GCC 12 miscompiles temporaries with destructors inside a co_await expression: every coroutine
// below builds named locals first.

namespace aic {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

using coroutine_test::sleep_for;
using coroutine_test::spawn;

struct Probe {
  Probe(asio::any_io_executor ex, std::size_t slots) : semaphore(std::move(ex), slots) {}
  AsyncSemaphore semaphore;
  std::vector<int> order; ///< who got a slot, in order
  int inside = 0;
  int max_inside = 0;
};

asio::awaitable<void> hold(Probe* probe, int id, std::chrono::milliseconds for_how_long) {
  co_await probe->semaphore.acquire();
  AsyncSemaphore::Held held(&probe->semaphore);
  probe->order.push_back(id);
  probe->max_inside = std::max(probe->max_inside, ++probe->inside);
  co_await sleep_for(for_how_long);
  --probe->inside;
}

TEST(AsyncSemaphore, AdmitsAtMostItsSlotsAndTheRestInOrder) {
  asio::io_context io;
  Probe probe(io.get_executor(), 2);
  for (int id = 0; id < 6; ++id) {
    spawn(io, hold(&probe, id, 20ms));
  }
  io.run();
  EXPECT_EQ(probe.max_inside, 2);
  EXPECT_EQ(probe.order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(probe.semaphore.in_use(), 0u);
  EXPECT_EQ(probe.semaphore.waiting(), 0u);
}

TEST(AsyncSemaphore, OneSlotIsAMutex) {
  asio::io_context io;
  Probe probe(io.get_executor(), 1);
  for (int id = 0; id < 4; ++id) {
    spawn(io, hold(&probe, id, 5ms));
  }
  io.run();
  EXPECT_EQ(probe.max_inside, 1);
  EXPECT_EQ(probe.order.size(), 4u);
}

asio::awaitable<void> give_up_after(Probe* probe, std::chrono::milliseconds patience,
                                    bool* gave_up) {
  auto acquired = co_await (probe->semaphore.acquire() || sleep_for(patience));
  *gave_up = acquired.index() == 1;
  if (acquired.index() == 0) {
    probe->semaphore.release();
  }
}

TEST(AsyncSemaphore, AWaiterCancelledFromOutsideHoldsNothingAndLosesNoSlot) {
  asio::io_context io;
  Probe probe(io.get_executor(), 1);
  bool gave_up = false;
  spawn(io, hold(&probe, 0, 60ms));                  // holds the only slot for 60 ms
  spawn(io, give_up_after(&probe, 10ms, &gave_up));  // waits 10 ms, then stops waiting
  auto later = [&probe]() -> asio::awaitable<void> { // asks after the holder is done
    co_await sleep_for(100ms);
    co_await hold(&probe, 1, 1ms);
  };
  spawn(io, later());
  io.run();
  EXPECT_TRUE(gave_up);
  EXPECT_EQ(probe.order, (std::vector<int>{0, 1}));
  EXPECT_EQ(probe.semaphore.in_use(), 0u) << "the cancelled waiter took or leaked a slot";
  EXPECT_EQ(probe.semaphore.waiting(), 0u);
}

TEST(AsyncSemaphore, ASlotFreedWhileAnotherWaiterGaveUpGoesToTheNextOne) {
  asio::io_context io;
  Probe probe(io.get_executor(), 1);
  bool gave_up = false;
  spawn(io, hold(&probe, 0, 40ms));
  spawn(io, give_up_after(&probe, 10ms, &gave_up)); // first in the queue, gone before the handover
  spawn(io, hold(&probe, 1, 1ms));                  // second in the queue
  io.run();
  EXPECT_TRUE(gave_up);
  EXPECT_EQ(probe.order, (std::vector<int>{0, 1}));
  EXPECT_EQ(probe.semaphore.in_use(), 0u);
}

} // namespace
} // namespace aic
