#pragma once

// Helpers for tests that drive coroutines on an io_context: a sleep, and a spawn that turns an
// escaping exception into a test failure.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <gtest/gtest.h>

namespace aic::coroutine_test {

inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
  timer.expires_after(d);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

/// Spawns `a` on `io`, recording an exception as a test failure.
inline void spawn(boost::asio::io_context& io, boost::asio::awaitable<void> a) {
  boost::asio::co_spawn(io, std::move(a), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        ADD_FAILURE() << "coroutine threw: " << ex.what();
      }
    }
  });
}

} // namespace aic::coroutine_test
