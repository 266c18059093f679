#include "supervisor/async_sync.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace aic::supervisor {

namespace asio = boost::asio;

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

asio::awaitable<std::vector<Result<void>>>
run_parallel(asio::any_io_executor executor, std::vector<Task> tasks, std::size_t at_most) {
  if (at_most == 0 || at_most >= tasks.size()) {
    co_return co_await run_parallel(std::move(executor), std::move(tasks));
  }
  // `at_most` workers, each taking the next task not yet begun until none is left.
  struct Queue {
    std::vector<Task> tasks;
    std::vector<Result<void>> results;
    std::size_t next = 0;
  };
  auto queue = std::make_shared<Queue>();
  queue->results.resize(tasks.size());
  queue->tasks = std::move(tasks);
  std::vector<Task> workers;
  for (std::size_t w = 0; w < at_most; ++w) {
    workers.push_back([queue]() -> asio::awaitable<Result<void>> {
      const asio::any_io_executor ex = co_await asio::this_coro::executor;
      while (queue->next < queue->tasks.size()) {
        const std::size_t i = queue->next++;
        std::vector<Task> one;
        one.push_back(std::move(queue->tasks[i]));
        // run_parallel of one: a task that throws becomes an Internal error, as above.
        std::vector<Result<void>> done = co_await run_parallel(ex, std::move(one));
        queue->results[i] = std::move(done.front());
      }
      co_return Result<void>{};
    });
  }
  (void)co_await run_parallel(std::move(executor), std::move(workers));
  co_return std::move(queue->results);
}

} // namespace aic::supervisor
