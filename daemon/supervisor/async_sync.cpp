#include "supervisor/async_sync.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aic::supervisor {

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

asio::awaitable<std::vector<Result<void>>> run_parallel(asio::any_io_executor executor,
                                                        std::vector<Task> tasks) {
  struct State {
    explicit State(asio::any_io_executor ex, std::size_t n) : signal(std::move(ex)), results(n) {}
    Signal signal;
    std::vector<Result<void>> results;
    std::size_t remaining = 0;
  };
  auto state = std::make_shared<State>(executor, tasks.size());
  state->remaining = tasks.size();
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    Task task = std::move(tasks[i]);
    asio::co_spawn(
        executor,
        [state, i, task]() -> asio::awaitable<void> {
          Result<void> r = co_await task();
          state->results[i] = std::move(r);
        },
        [state, i](std::exception_ptr e) {
          if (e) {
            state->results[i] = Error(ErrorCode::Internal, "a task failed unexpectedly");
          }
          --state->remaining;
          state->signal.notify_all();
        });
  }
  while (state->remaining > 0) {
    co_await state->signal.wait(std::chrono::seconds(1));
  }
  co_return state->results;
}

} // namespace aic::supervisor
