#include "core/async_semaphore.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

namespace aic {

namespace asio = boost::asio;

asio::awaitable<void> AsyncSemaphore::acquire() {
  if (in_use_ < slots_) {
    ++in_use_;
    co_return;
  }
  auto waiter = std::make_shared<Waiter>(executor_);
  waiter->timer.expires_at(asio::steady_timer::time_point::max());
  waiters_.push_back(waiter);
  // release() cancels the timer to hand its slot over; the slot stays counted throughout.
  auto [ec] = co_await waiter->timer.async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ec;
  if (!waiter->granted) {
    waiters_.erase(std::remove(waiters_.begin(), waiters_.end(), waiter), waiters_.end());
    throw boost::system::system_error(asio::error::operation_aborted);
  }
}

void AsyncSemaphore::release() {
  while (!waiters_.empty()) {
    auto next = waiters_.front();
    waiters_.pop_front();
    // A waiter whose wait already ended (cancelled from outside, or its coroutine destroyed)
    // has nothing left to cancel: skip it, or the slot would go to nobody.
    if (next->timer.cancel() > 0) {
      next->granted = true;
      return;
    }
  }
  if (in_use_ > 0) {
    --in_use_;
  }
}

} // namespace aic
