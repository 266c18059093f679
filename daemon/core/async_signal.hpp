#pragma once

// A broadcast signal for coroutines on one io_context thread, built on cancelled timers, so
// nothing here blocks a thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <memory>

namespace aic {

/// Wakes every coroutine waiting on it. Waiters re-check their condition after waking, so a
/// notify that comes between the check and the wait is covered by the wait's timeout. Not
/// thread-safe: use it from one io_context thread.
class Signal {
public:
  explicit Signal(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  /// Returns when notified or after `timeout`, whichever comes first.
  boost::asio::awaitable<void> wait(std::chrono::milliseconds timeout);
  void notify_all();

private:
  boost::asio::any_io_executor executor_;
  std::deque<std::weak_ptr<boost::asio::steady_timer>> waiters_;
};

} // namespace aic
