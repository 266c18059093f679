#include "batch_queue.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

namespace inference {

namespace {

// Completions and observers run on the batcher thread: one that throws must not end it.
template <class F, class... Args>
void call_guarded(const F& f, Args&&... args) {
  try {
    f(std::forward<Args>(args)...);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inference: a batch completion threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "inference: a batch completion threw\n");
  }
}

} // namespace

const char* to_string(JobStatus status) {
  switch (status) {
  case JobStatus::Ok:
    return "ok";
  case JobStatus::QueueFull:
    return "queue_full";
  case JobStatus::TooLarge:
    return "too_large";
  case JobStatus::Timeout:
    return "timeout";
  case JobStatus::Failed:
    return "failed";
  case JobStatus::ShuttingDown:
    return "shutting_down";
  }
  return "unknown";
}

BatchQueue::BatchQueue(BatchOptions options, std::size_t width, BatchRunner runner,
                       std::function<void(const BatchReport&)> on_batch)
    : options_(options), width_(width), runner_(std::move(runner)), on_batch_(std::move(on_batch)) {
  worker_ = std::thread([this] { run(); });
}

BatchQueue::~BatchQueue() {
  stop();
}

void BatchQueue::submit(std::vector<float> rows, std::size_t n_rows, Completion done) {
  JobResult refused;
  if (n_rows == 0 || n_rows > options_.max_batch) {
    refused.status = JobStatus::TooLarge;
    refused.error = std::to_string(n_rows) + " rows; a request takes 1 to " +
                    std::to_string(options_.max_batch);
  } else if (rows.size() != n_rows * width_) {
    refused.status = JobStatus::TooLarge;
    refused.error = "expected " + std::to_string(n_rows * width_) + " values, got " +
                    std::to_string(rows.size());
  } else {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused.status = JobStatus::ShuttingDown;
      refused.error = "the server is shutting down";
    } else if (queue_.size() >= options_.max_queue) {
      refused.status = JobStatus::QueueFull;
      refused.error = "the queue holds " + std::to_string(queue_.size()) + " requests";
    } else {
      queue_.push_back(Job{std::move(rows), n_rows, std::move(done), Clock::now()});
      queued_rows_ += n_rows;
      wake_.notify_one();
      return;
    }
  }
  // Refused: completed here, outside the lock.
  done(std::move(refused));
}

std::size_t BatchQueue::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void BatchQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  // One joiner; a second caller waits for it. (Never called from the batcher thread.)
  std::lock_guard join_lock(join_mutex_);
  if (worker_.joinable()) {
    worker_.join();
  }
}

void BatchQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty())
      return; // stopping, and everything queued has run
    // The oldest request waits at most max_wait for others to join it.
    const auto deadline = queue_.front().enqueued + options_.max_wait;
    wake_.wait_until(lock, deadline,
                     [&] { return stopping_ || queued_rows_ >= options_.max_batch; });
    std::vector<Job> batch;
    std::size_t rows = 0;
    while (!queue_.empty() && rows + queue_.front().n_rows <= options_.max_batch) {
      rows += queue_.front().n_rows;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_rows_ -= rows;
    lock.unlock();
    execute(batch);
    lock.lock();
  }
}

void BatchQueue::execute(std::vector<Job>& batch) {
  const auto started = Clock::now();
  BatchReport report;
  std::vector<Job> live;
  live.reserve(batch.size());
  for (auto& job : batch) {
    const double waited = std::chrono::duration<double>(started - job.enqueued).count();
    if (started - job.enqueued > options_.request_timeout) {
      JobResult result;
      result.status = JobStatus::Timeout;
      result.queue_wait_seconds = waited;
      result.error = "waited " + std::to_string(static_cast<long>(waited * 1000)) +
                     " ms in the queue (limit " + std::to_string(options_.request_timeout.count()) +
                     " ms)";
      call_guarded(job.done, std::move(result));
      continue;
    }
    report.queue_waits.push_back(waited);
    report.rows += job.n_rows;
    live.push_back(std::move(job));
  }
  if (live.empty())
    return;
  report.requests = live.size();

  std::vector<float> inputs;
  inputs.reserve(report.rows * width_);
  for (const auto& job : live)
    inputs.insert(inputs.end(), job.rows.begin(), job.rows.end());

  BatchOutput output;
  try {
    output = runner_(inputs, report.rows, width_);
  } catch (const std::exception& e) {
    output.error = e.what();
  } catch (...) {
    output.error = "unknown exception";
  }
  if (output.error.empty() && output.outputs.size() != report.rows * output.output_width) {
    output.error = "the model returned " + std::to_string(output.outputs.size()) + " values for " +
                   std::to_string(report.rows) + " rows";
  }
  report.forward_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  report.failed = !output.error.empty();
  if (on_batch_) {
    call_guarded(on_batch_, report);
  }

  std::size_t offset = 0;
  for (std::size_t i = 0; i < live.size(); ++i) {
    auto& job = live[i];
    JobResult result;
    result.batch_rows = report.rows;
    result.queue_wait_seconds = report.queue_waits[i];
    if (report.failed) {
      result.status = JobStatus::Failed;
      result.error = output.error;
    } else {
      result.output_width = output.output_width;
      const auto first =
          output.outputs.begin() + static_cast<std::ptrdiff_t>(offset * output.output_width);
      result.outputs.assign(first,
                            first + static_cast<std::ptrdiff_t>(job.n_rows * output.output_width));
    }
    offset += job.n_rows;
    call_guarded(job.done, std::move(result));
  }
}

} // namespace inference
