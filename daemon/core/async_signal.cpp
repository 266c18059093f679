#include "core/async_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aic {

namespace asio = boost::asio;

asio::awaitable<void> Signal::wait(std::chrono::milliseconds timeout) {
  auto timer = std::make_shared<asio::steady_timer>(executor_);
  timer->expires_after(timeout);
  waiters_.push_back(timer);
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  (void)ec;
}

void Signal::notify_all() {
  for (auto& w : waiters_) {
    if (auto t = w.lock()) {
      t->cancel();
    }
  }
  waiters_.clear();
}

} // namespace aic
