#include "batch_queue.hpp"
#include "sum_and_first.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace inference {
namespace {

using namespace std::chrono_literals;

using testing::sum_and_first;

// A gate the runner waits at, so tests can hold the batcher busy.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  int entered = 0;
  void wait() {
    std::unique_lock lock(m);
    ++entered;
    cv.notify_all();
    cv.wait(lock, [&] { return open; });
  }
  void wait_entered(int n) {
    std::unique_lock lock(m);
    cv.wait(lock, [&] { return entered >= n; });
  }
  void release() {
    std::lock_guard lock(m);
    open = true;
    cv.notify_all();
  }
};

std::future<JobResult> submit(BatchQueue& q, std::vector<float> rows, std::size_t n) {
  auto promise = std::make_shared<std::promise<JobResult>>();
  auto future = promise->get_future();
  q.submit(std::move(rows), n, [promise](JobResult r) { promise->set_value(std::move(r)); });
  return future;
}

TEST(BatchQueue, RunsAFullBatchWithoutWaitingForMaxWait) {
  BatchOptions options;
  options.max_batch = 4;
  options.max_wait = 30s; // a full batch must not wait for this
  Gate gate;
  std::atomic<int> batches{0};
  BatchQueue q(options, 1, [&](const std::vector<float>& in, std::size_t rows, std::size_t w) {
    ++batches;
    return sum_and_first(in, rows, w);
  });
  std::vector<std::future<JobResult>> results;
  for (int i = 0; i < 4; ++i)
    results.push_back(submit(q, {float(i)}, 1));
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(f.get().batch_rows, 4U);
  }
  EXPECT_EQ(batches.load(), 1);
}

TEST(BatchQueue, ALoneRequestWaitsMaxWaitForCompanyThenRunsAlone) {
  BatchOptions options;
  options.max_batch = 8;
  options.max_wait = 60ms;
  BatchQueue q(options, 2, sum_and_first);
  const auto start = std::chrono::steady_clock::now();
  auto f = submit(q, {1, 2}, 1);
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  auto r = f.get();
  EXPECT_GE(elapsed, 60ms);
  EXPECT_EQ(r.status, JobStatus::Ok);
  EXPECT_EQ(r.batch_rows, 1U);
  EXPECT_GE(r.queue_wait_seconds, 0.060);
}

TEST(BatchQueue, ReturnsEachCallerItsOwnRows) {
  BatchOptions options;
  options.max_batch = 16;
  options.max_wait = 5ms;
  BatchQueue q(options, 3, sum_and_first);
  std::vector<std::thread> clients;
  std::atomic<int> wrong{0}, done{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const float base = static_cast<float>(t * 1000 + i);
        // Two rows per request: {base, 1, 1} and {base + 0.5, 0, 0}.
        auto f = submit(q, {base, 1, 1, base + 0.5F, 0, 0}, 2);
        auto r = f.get();
        if (r.status != JobStatus::Ok || r.output_width != 2 || r.outputs.size() != 4 ||
            r.outputs[0] != base + 2 || r.outputs[1] != base || r.outputs[2] != base + 0.5F ||
            r.outputs[3] != base + 0.5F) {
          ++wrong;
        }
        ++done;
      }
    });
  }
  for (auto& c : clients)
    c.join();
  EXPECT_EQ(done.load(), 400);
  EXPECT_EQ(wrong.load(), 0);
}

TEST(BatchQueue, NeverPutsMoreThanMaxBatchRowsInOneBatch) {
  BatchOptions options;
  options.max_batch = 5;
  options.max_wait = 20ms;
  Gate gate;
  std::mutex m;
  std::vector<std::size_t> sizes;
  BatchQueue q(options, 1, [&](const std::vector<float>& in, std::size_t rows, std::size_t w) {
    gate.wait();
    std::lock_guard lock(m);
    sizes.push_back(rows);
    return sum_and_first(in, rows, w);
  });
  auto first = submit(q, {0}, 1);
  gate.wait_entered(1); // the batcher is busy; the rest pile up behind it
  std::vector<std::future<JobResult>> rest;
  for (int i = 0; i < 6; ++i)
    rest.push_back(submit(q, {1, 1}, 2)); // 12 rows
  gate.release();
  first.get();
  for (auto& f : rest)
    EXPECT_EQ(f.get().status, JobStatus::Ok);
  std::lock_guard lock(m);
  // 2-row requests are never split: 4, 4 and 4 rows after the first batch of 1.
  ASSERT_EQ(sizes.size(), 4U);
  EXPECT_EQ(sizes[0], 1U);
  for (std::size_t i = 1; i < sizes.size(); ++i)
    EXPECT_EQ(sizes[i], 4U);
}

TEST(BatchQueue, RefusesWhenTheQueueIsFull) {
  BatchOptions options;
  options.max_batch = 1;
  options.max_wait = 0ms;
  options.max_queue = 2;
  Gate gate;
  BatchQueue q(options, 1, [&](const std::vector<float>& in, std::size_t rows, std::size_t w) {
    gate.wait();
    return sum_and_first(in, rows, w);
  });
  auto running = submit(q, {1}, 1);
  gate.wait_entered(1);
  auto queued1 = submit(q, {2}, 1);
  auto queued2 = submit(q, {3}, 1);
  auto refused = submit(q, {4}, 1);
  // Refused at once, on the caller's thread.
  ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
  auto r = refused.get();
  EXPECT_EQ(r.status, JobStatus::QueueFull);
  EXPECT_NE(r.error.find("2 requests"), std::string::npos) << r.error;
  EXPECT_EQ(q.depth(), 2U);
  gate.release();
  EXPECT_EQ(running.get().status, JobStatus::Ok);
  EXPECT_EQ(queued1.get().outputs[1], 2);
  EXPECT_EQ(queued2.get().outputs[1], 3);
}

TEST(BatchQueue, RefusesNoRowsTooManyRowsAndAShortBody) {
  BatchOptions options;
  options.max_batch = 4;
  BatchQueue q(options, 2, sum_and_first);
  EXPECT_EQ(submit(q, {}, 0).get().status, JobStatus::TooLarge);
  EXPECT_EQ(submit(q, std::vector<float>(10, 1), 5).get().status, JobStatus::TooLarge);
  auto short_body = submit(q, {1, 2, 3}, 2).get();
  EXPECT_EQ(short_body.status, JobStatus::TooLarge);
  EXPECT_NE(short_body.error.find("expected 4 values, got 3"), std::string::npos);
}

TEST(BatchQueue, DropsRequestsThatWaitedPastTheirTimeout) {
  BatchOptions options;
  options.max_batch = 1;
  options.max_wait = 0ms;
  options.request_timeout = 20ms;
  Gate gate;
  std::atomic<int> ran{0};
  BatchQueue q(options, 1, [&](const std::vector<float>& in, std::size_t rows, std::size_t w) {
    ++ran;
    gate.wait();
    return sum_and_first(in, rows, w);
  });
  auto first = submit(q, {1}, 1);
  gate.wait_entered(1);
  auto late = submit(q, {2}, 1);
  std::this_thread::sleep_for(80ms); // past the 20 ms timeout while the batcher is busy
  gate.release();
  EXPECT_EQ(first.get().status, JobStatus::Ok);
  auto r = late.get();
  EXPECT_EQ(r.status, JobStatus::Timeout);
  EXPECT_NE(r.error.find("limit 20 ms"), std::string::npos) << r.error;
  EXPECT_EQ(ran.load(), 1); // the late request never reached the model
}

TEST(BatchQueue, AFailedBatchFailsEachOfItsRequests) {
  BatchOptions options;
  options.max_batch = 2;
  options.max_wait = 1s;
  BatchQueue q(options, 1, [](const std::vector<float>&, std::size_t, std::size_t) -> BatchOutput {
    throw std::runtime_error("CUDA out of memory");
  });
  auto a = submit(q, {1}, 1);
  auto b = submit(q, {2}, 1);
  for (auto* f : {&a, &b}) {
    auto r = f->get();
    EXPECT_EQ(r.status, JobStatus::Failed);
    EXPECT_EQ(r.error, "CUDA out of memory");
  }
}

TEST(BatchQueue, AModelAnswerOfTheWrongSizeFailsTheBatch) {
  BatchOptions options;
  options.max_wait = 0ms;
  BatchQueue q(options, 1, [](const std::vector<float>&, std::size_t, std::size_t) {
    return BatchOutput{{1, 2, 3}, 2, ""};
  });
  auto r = submit(q, {1}, 1).get();
  EXPECT_EQ(r.status, JobStatus::Failed);
  EXPECT_NE(r.error.find("3 values for 1 rows"), std::string::npos) << r.error;
}

TEST(BatchQueue, StopAnswersWhatIsQueuedThenRefuses) {
  BatchOptions options;
  options.max_batch = 4;
  options.max_wait = 30s;
  std::vector<BatchReport> reports;
  auto q = std::make_unique<BatchQueue>(options, 1, sum_and_first,
                                        [&](const BatchReport& r) { reports.push_back(r); });
  auto queued = submit(*q, {7}, 1);
  q->stop(); // does not wait 30 s: stopping runs the queue at once
  ASSERT_EQ(queued.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(queued.get().outputs[0], 7);
  EXPECT_EQ(submit(*q, {8}, 1).get().status, JobStatus::ShuttingDown);
  ASSERT_EQ(reports.size(), 1U);
  EXPECT_EQ(reports[0].rows, 1U);
  EXPECT_EQ(reports[0].requests, 1U);
  EXPECT_EQ(reports[0].queue_waits.size(), 1U);
}

} // namespace
} // namespace inference
