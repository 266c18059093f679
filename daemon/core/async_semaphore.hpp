#pragma once

// A counting semaphore for coroutines on one io_context thread, built on cancelled timers, so
// nothing here blocks a thread.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstddef>
#include <deque>
#include <memory>

namespace aic {

/// At most `slots` holders at once; the others wait in FIFO order. Not thread-safe: use it from
/// one io_context thread.
class AsyncSemaphore {
public:
  AsyncSemaphore(boost::asio::any_io_executor executor, std::size_t slots)
      : executor_(std::move(executor)), slots_(slots) {}

  /// Returns once the caller holds a slot; pair it with release() (or hold it in a Held). A wait
  /// cancelled from outside (an awaitable operator, a cancellation slot) throws operation_aborted
  /// and holds nothing.
  boost::asio::awaitable<void> acquire();
  /// Hands the slot to the oldest waiter still waiting, or frees it.
  void release();

  std::size_t in_use() const { return in_use_; }
  std::size_t waiting() const { return waiters_.size(); }

  /// Releases a slot acquired before it when it goes out of scope.
  class Held {
  public:
    explicit Held(AsyncSemaphore* semaphore) : semaphore_(semaphore) {}
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() {
      if (semaphore_ != nullptr) {
        semaphore_->release();
      }
    }

  private:
    AsyncSemaphore* semaphore_;
  };

private:
  struct Waiter {
    explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
    boost::asio::steady_timer timer;
    bool granted = false; ///< release() handed it a slot (rather than a cancellation)
  };

  boost::asio::any_io_executor executor_;
  std::size_t slots_;
  std::size_t in_use_ = 0;
  std::deque<std::shared_ptr<Waiter>> waiters_;
};

} // namespace aic
