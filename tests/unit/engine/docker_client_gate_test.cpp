// ClientOptions::max_container_calls against a fake engine that takes its time over container
// creates, starts and removals: the calls past the limit wait in the client, not in the engine,
// and their deadline starts when they go out.

#include "engine/docker_client.hpp"
#include "fake_engine.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <gtest/gtest.h>
#include <mutex>
#include <string>
#include <vector>

namespace aic::engine {
namespace {

using namespace testing;
namespace asio = boost::asio;
using namespace std::chrono_literals;

/// An engine that answers container creates, starts and removals after `work`, and everything
/// else at once, counting how many of the slow calls it holds at the same time.
class SlowEngine {
public:
  explicit SlowEngine(std::chrono::milliseconds work)
      : work_(work), engine_([this](ServerConnection& c) { return serve(c); }) {}

  EngineAddress address() const { return engine_.address(); }
  int max_in_flight() const { return max_in_flight_.load(); }

  /// Request lines in the order their answers went out.
  std::vector<std::string> answered() const {
    std::lock_guard lock(mutex_);
    return answered_;
  }

private:
  asio::awaitable<void> serve(ServerConnection& c) {
    while (auto request = co_await c.read_request()) {
      const std::string line = request->substr(0, request->find(" HTTP/1.1\r\n"));
      const bool slow = line.rfind("POST /v1.41/containers/create", 0) == 0 ||
                        line.find("/start") != std::string::npos ||
                        line.rfind("DELETE /v1.41/containers/", 0) == 0;
      std::string answer = "HTTP/1.1 204 No Content\r\n\r\n";
      if (line.rfind("POST /v1.41/containers/create", 0) == 0) {
        answer = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 26"
                 "\r\n\r\n{\"Id\":\"c1\",\"Warnings\":[]}";
      } else if (line.rfind("GET ", 0) == 0) {
        const std::string body = R"({"Id":"c1","Name":"/web-1","State":{"Running":true}})";
        answer = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body;
      }
      if (slow) {
        const int now = ++in_flight_;
        int seen = max_in_flight_.load();
        while (now > seen && !max_in_flight_.compare_exchange_weak(seen, now)) {
        }
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(work_);
        co_await timer.async_wait(kNoThrow);
        --in_flight_;
      }
      {
        std::lock_guard lock(mutex_);
        answered_.push_back(line);
      }
      co_await c.write(answer);
    }
  }

  std::chrono::milliseconds work_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> answered_;
  FakeEngine engine_; // last: its thread serves with the members above
};

ClientOptions options_for(const SlowEngine& engine, std::size_t limit,
                          std::chrono::milliseconds deadline) {
  ClientOptions options;
  options.address = engine.address();
  options.api_version = ApiVersion{1, 41};
  options.call_deadline = deadline;
  options.long_call_deadline = deadline;
  options.max_container_calls = limit;
  return options;
}

/// Runs every call at once on one io_context; returns how many succeeded.
int run_all(asio::io_context& io,
            std::vector<std::function<asio::awaitable<Result<void>>()>> calls) {
  int ok = 0;
  for (auto& call : calls) {
    asio::co_spawn(
        io,
        [&ok, call]() -> asio::awaitable<void> {
          Result<void> done = co_await call();
          if (done) {
            ++ok;
          } else {
            ADD_FAILURE() << done.error().describe();
          }
        },
        [](std::exception_ptr e) {
          if (e) {
            ADD_FAILURE() << "a call threw";
          }
        });
  }
  io.run();
  return ok;
}

std::function<asio::awaitable<Result<void>>()> start(DockerClient& client, std::string id) {
  return [&client, id]() { return client.start_container(id); };
}

TEST(DockerClientGate, CallsPastTheLimitWaitInTheClientNotInTheEngine) {
  SlowEngine engine(300ms); // long enough for every connection to be up on a busy machine
  asio::io_context io;
  DockerClient client(io.get_executor(), options_for(engine, 2, 5'000ms));
  std::vector<std::function<asio::awaitable<Result<void>>()>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(start(client, "c" + std::to_string(i)));
  }
  calls.push_back([&client]() -> asio::awaitable<Result<void>> {
    RemoveContainerOptions rm;
    rm.force = true;
    co_return co_await client.remove_container("gone", rm);
  });
  EXPECT_EQ(run_all(io, std::move(calls)), 6);
  EXPECT_EQ(engine.max_in_flight(), 2);
}

TEST(DockerClientGate, ALimitOfZeroSendsEveryCallAtOnce) {
  SlowEngine engine(300ms); // long enough for every connection to be up on a busy machine
  asio::io_context io;
  DockerClient client(io.get_executor(), options_for(engine, 0, 5'000ms));
  std::vector<std::function<asio::awaitable<Result<void>>()>> calls;
  for (int i = 0; i < 5; ++i) {
    calls.push_back(start(client, "c" + std::to_string(i)));
  }
  EXPECT_EQ(run_all(io, std::move(calls)), 5);
  EXPECT_EQ(engine.max_in_flight(), 5);
}

TEST(DockerClientGate, TheDeadlineStartsWhenTheCallGoesOut) {
  // Each removal takes 400 ms in the engine, one at a time: the fourth answers after 1.6 s, past
  // the deadline, and is still on time because it waited its turn in the client.
  SlowEngine engine(400ms);
  asio::io_context io;
  DockerClient client(io.get_executor(), options_for(engine, 1, 1'000ms));
  std::vector<std::function<asio::awaitable<Result<void>>()>> calls;
  for (int i = 0; i < 4; ++i) {
    calls.push_back([&client, i]() -> asio::awaitable<Result<void>> {
      RemoveContainerOptions rm;
      co_return co_await client.remove_container("c" + std::to_string(i), rm);
    });
  }
  EXPECT_EQ(run_all(io, std::move(calls)), 4);
  EXPECT_EQ(engine.max_in_flight(), 1);
}

TEST(DockerClientGate, OtherCallsDoNotQueueBehindThem) {
  SlowEngine engine(300ms);
  asio::io_context io;
  DockerClient client(io.get_executor(), options_for(engine, 1, 5'000ms));
  std::vector<std::function<asio::awaitable<Result<void>>()>> calls;
  for (int i = 0; i < 3; ++i) {
    calls.push_back(start(client, "c" + std::to_string(i)));
  }
  calls.push_back([&client]() -> asio::awaitable<Result<void>> {
    Result<ContainerInspect> inspected = co_await client.inspect_container("c1");
    if (!inspected) {
      co_return std::move(inspected).error();
    }
    co_return Result<void>{};
  });
  EXPECT_EQ(run_all(io, std::move(calls)), 4);
  const std::vector<std::string> answered = engine.answered();
  ASSERT_EQ(answered.size(), 4u);
  EXPECT_EQ(answered.front(), "GET /v1.41/containers/c1/json")
      << "the inspect waited behind the queued starts";
}

} // namespace
} // namespace aic::engine
