#pragma once

// Coordination between coroutines on one io_context thread: a mutex (on cancelled timers, so
// nothing here blocks a thread), the broadcast Signal of core, blocking work on the pool, and
// tasks run side by side.

#include "core/async_semaphore.hpp"
#include "core/async_signal.hpp"
#include "core/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace aic::supervisor {

/// A FIFO mutex for coroutines. Not thread-safe: use it from one io_context thread.
class AsyncMutex {
public:
  explicit AsyncMutex(boost::asio::any_io_executor executor) : slot_(std::move(executor), 1) {}

  boost::asio::awaitable<void> lock() { return slot_.acquire(); }
  /// Hands the lock to the oldest waiter, if any.
  void unlock() { slot_.release(); }

private:
  AsyncSemaphore slot_;
};

using aic::Signal;

/// Runs `work` on the blocking pool and resumes on the caller's executor.
template <typename T>
boost::asio::awaitable<Result<T>> on_pool(boost::asio::thread_pool& pool,
                                          const std::function<Result<T>()>& work) {
  // A named closure: GCC 12 double-frees temporaries inside a co_await expression.
  auto task = [work]() -> boost::asio::awaitable<std::optional<Result<T>>> { co_return work(); };
  std::optional<Result<T>> out = co_await boost::asio::co_spawn(
      pool.get_executor(), std::move(task), boost::asio::use_awaitable);
  if (!out) {
    co_return Error(ErrorCode::Internal, "blocking work returned nothing");
  }
  co_return std::move(*out);
}

using Task = std::function<boost::asio::awaitable<Result<void>>()>;

/// Runs every task concurrently on `executor` and returns their results in the order given,
/// once all have ended. A task that throws yields an Internal error.
boost::asio::awaitable<std::vector<Result<void>>>
run_parallel(boost::asio::any_io_executor executor, std::vector<Task> tasks);

/// The same, with at most `at_most` tasks running at a time (0: no limit): each task starts, in
/// the order given, as soon as one ends.
boost::asio::awaitable<std::vector<Result<void>>>
run_parallel(boost::asio::any_io_executor executor, std::vector<Task> tasks, std::size_t at_most);

} // namespace aic::supervisor
