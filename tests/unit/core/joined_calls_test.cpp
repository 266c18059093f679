#include "core/joined_calls.hpp"
#include "coroutine_test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <gtest/gtest.h>
#include <map>
#include <stdexcept>
#include <string>

// GCC 12 miscompiles temporaries with destructors inside a co_await expression: every coroutine
// below builds named locals first.

namespace aic {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

using coroutine_test::sleep_for;
using coroutine_test::spawn;

/// A stand-in for the engine: a value that writes change, and a read that answers the value it
/// saw when it began, after `delay`.
struct Store {
  int value = 0;
  int reads = 0;
};

asio::awaitable<Result<int>> slow_read(Store* store, std::chrono::milliseconds delay) {
  ++store->reads;
  const int seen = store->value;
  co_await sleep_for(delay);
  co_return seen;
}

/// Waits `after`, then asks `calls` for `key` and records the answer under `who`.
asio::awaitable<void> ask(JoinedCalls<int>* calls, Store* store, std::string key, std::string who,
                          std::chrono::milliseconds after, std::map<std::string, int>* answers) {
  co_await sleep_for(after);
  JoinedCalls<int>::Call read = [store] { return slow_read(store, 40ms); };
  Result<int> got = co_await calls->get(key, std::move(read));
  (*answers)[who] = got ? *got : -1;
}

TEST(JoinedCalls, CallersWhoComeDuringACallShareTheNextOneAndNeverTakeItsAnswer) {
  asio::io_context io;
  Store store;
  JoinedCalls<int> calls(io.get_executor());
  std::map<std::string, int> answers;
  spawn(io, ask(&calls, &store, "list", "first", 0ms, &answers));
  // A write after the first read began, then three readers: the first read's answer (0) is
  // older than their requests.
  auto write_then_read = [&]() -> asio::awaitable<void> {
    co_await sleep_for(10ms);
    store.value = 1;
    spawn(io, ask(&calls, &store, "list", "b", 0ms, &answers));
    spawn(io, ask(&calls, &store, "list", "c", 5ms, &answers));
    spawn(io, ask(&calls, &store, "list", "d", 15ms, &answers));
  };
  spawn(io, write_then_read());
  io.run();
  EXPECT_EQ(answers["first"], 0);
  EXPECT_EQ(answers["b"], 1);
  EXPECT_EQ(answers["c"], 1);
  EXPECT_EQ(answers["d"], 1);
  EXPECT_EQ(store.reads, 2) << "b, c and d shared one read";
  EXPECT_EQ(calls.calls(), 2u);
  EXPECT_EQ(calls.joined(), 2u);
  EXPECT_EQ(calls.busy_keys(), 0u) << "an idle key is forgotten";
}

TEST(JoinedCalls, ACallerWhoComesAfterACallEndedGetsANewCall) {
  asio::io_context io;
  Store store;
  JoinedCalls<int> calls(io.get_executor());
  std::map<std::string, int> answers;
  spawn(io, ask(&calls, &store, "list", "first", 0ms, &answers));
  auto later = [&]() -> asio::awaitable<void> {
    co_await sleep_for(60ms); // the first read (40 ms) is over
    store.value = 7;
    co_await ask(&calls, &store, "list", "later", 0ms, &answers);
  };
  spawn(io, later());
  io.run();
  EXPECT_EQ(answers["first"], 0);
  EXPECT_EQ(answers["later"], 7);
  EXPECT_EQ(store.reads, 2);
  EXPECT_EQ(calls.joined(), 0u);
}

TEST(JoinedCalls, KeysDoNotWaitForEachOther) {
  asio::io_context io;
  Store store;
  JoinedCalls<int> calls(io.get_executor());
  std::vector<std::string> order;
  auto read = [&](std::string key, std::chrono::milliseconds delay) -> asio::awaitable<void> {
    JoinedCalls<int>::Call call = [&store, delay] { return slow_read(&store, delay); };
    Result<int> got = co_await calls.get(key, std::move(call));
    EXPECT_TRUE(got);
    order.push_back(key);
  };
  spawn(io, read("slow", 80ms));
  spawn(io, read("quick", 5ms));
  io.run();
  EXPECT_EQ(order, (std::vector<std::string>{"quick", "slow"}));
  EXPECT_EQ(store.reads, 2);
}

TEST(JoinedCalls, AnErrorReachesOnlyTheCallersOfThatCall) {
  asio::io_context io;
  JoinedCalls<int> calls(io.get_executor());
  int made = 0;
  std::map<std::string, std::string> seen;
  auto read = [&](std::string who, std::chrono::milliseconds after) -> asio::awaitable<void> {
    co_await sleep_for(after);
    JoinedCalls<int>::Call call = [&made]() -> asio::awaitable<Result<int>> {
      const int n = ++made;
      co_await sleep_for(30ms);
      if (n == 1) {
        co_return Error(ErrorCode::EngineUnavailable, "engine gone");
      }
      co_return n;
    };
    Result<int> got = co_await calls.get("list", std::move(call));
    seen[who] = got ? std::to_string(*got) : got.error().message();
  };
  spawn(io, read("first", 0ms));
  spawn(io, read("soon", 0ms)); // both come while the first call is under way
  spawn(io, read("during", 10ms));
  io.run();
  EXPECT_EQ(seen["first"], "engine gone");
  EXPECT_EQ(seen["soon"], "2") << "the callers who came during the failed call share the next";
  EXPECT_EQ(seen["during"], "2");
  EXPECT_EQ(made, 2);
}

TEST(JoinedCalls, ACallThatThrowsLeavesNobodyWaiting) {
  asio::io_context io;
  JoinedCalls<int> calls(io.get_executor());
  std::string leader;
  std::string joined;
  auto throws = [&]() -> asio::awaitable<void> {
    JoinedCalls<int>::Call call = []() -> asio::awaitable<Result<int>> {
      co_await sleep_for(20ms);
      throw std::runtime_error("boom");
    };
    try {
      Result<int> got = co_await calls.get("list", std::move(call));
      leader = got ? "returned" : got.error().message();
    } catch (const std::runtime_error& e) {
      leader = e.what();
    }
  };
  // A caller that comes during the throwing call waits for the call after it, which it makes.
  auto during = [&]() -> asio::awaitable<void> {
    co_await sleep_for(5ms);
    JoinedCalls<int>::Call call = []() -> asio::awaitable<Result<int>> { co_return 5; };
    Result<int> got = co_await calls.get("list", std::move(call));
    joined = got ? std::to_string(*got) : got.error().message();
  };
  spawn(io, throws());
  spawn(io, during());
  io.run();
  EXPECT_EQ(leader, "boom");
  EXPECT_EQ(joined, "5");
  EXPECT_EQ(calls.busy_keys(), 0u);
}

} // namespace
} // namespace aic
