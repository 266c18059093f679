// The dynamic batcher: requests wait in a bounded queue and run together, up to a maximum
// batch size or a maximum wait, on one batcher thread (never on the network threads).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace inference {

/// How a queued request ended.
enum class JobStatus {
  Ok,
  QueueFull,   ///< refused: the queue holds max_queue requests
  TooLarge,    ///< refused: more rows than max_batch (or none)
  Timeout,     ///< waited longer than request_timeout before it could run
  Failed,      ///< the batch it ran in failed
  ShuttingDown ///< refused: the queue is stopping
};

/// What a request gets back: its own rows of the batch's output, row-major.
struct JobResult {
  JobStatus status = JobStatus::Ok;
  std::vector<float> outputs;
  std::size_t output_width = 0;
  std::size_t batch_rows = 0; ///< rows in the batch the request ran in
  double queue_wait_seconds = 0;
  std::string error;
};

/// What a batch run returns: rows * output_width floats, or an error.
struct BatchOutput {
  std::vector<float> outputs;
  std::size_t output_width = 0;
  std::string error;
};

/// Runs one batch of `rows` rows of `width` floats each (row-major). May throw; the queue
/// turns an exception into JobStatus::Failed for every request in the batch.
using BatchRunner = std::function<BatchOutput(const std::vector<float>& inputs, std::size_t rows,
                                              std::size_t width)>;

/// What one executed batch looked like, for metrics.
struct BatchReport {
  std::size_t rows = 0;
  std::size_t requests = 0;
  double forward_seconds = 0;
  std::vector<double> queue_waits; ///< seconds, one per request in the batch
  bool failed = false;
};

struct BatchOptions {
  std::size_t max_batch = 32;               ///< rows per batch
  std::chrono::microseconds max_wait{2000}; ///< from the oldest request's arrival
  std::size_t max_queue = 1024;             ///< requests waiting, beyond which submit refuses
  std::chrono::milliseconds request_timeout{10000};
};

/// Bounded MPMC queue with one batcher thread. Thread-safe.
class BatchQueue {
public:
  using Completion = std::function<void(JobResult)>;

  /// Starts the batcher thread. `width` is the number of floats per input row.
  BatchQueue(BatchOptions options, std::size_t width, BatchRunner runner,
             std::function<void(const BatchReport&)> on_batch = {});
  /// Stops (see stop()).
  ~BatchQueue();
  BatchQueue(const BatchQueue&) = delete;
  BatchQueue& operator=(const BatchQueue&) = delete;

  /// Queues `n_rows` rows (n_rows * width floats). `done` runs exactly once: on the batcher
  /// thread when the request ran or timed out, on the caller's thread when it was refused.
  void submit(std::vector<float> rows, std::size_t n_rows, Completion done);

  /// Requests waiting to run.
  std::size_t depth() const;
  const BatchOptions& options() const { return options_; }
  std::size_t width() const { return width_; }

  /// Refuses new requests, runs what is queued, then joins the batcher. Idempotent and safe
  /// from several threads; not from a completion (the batcher thread).
  void stop();

private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    std::vector<float> rows;
    std::size_t n_rows = 0;
    Completion done;
    Clock::time_point enqueued;
  };

  void run();
  void execute(std::vector<Job>& batch);

  const BatchOptions options_;
  const std::size_t width_;
  BatchRunner runner_;
  std::function<void(const BatchReport&)> on_batch_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  std::size_t queued_rows_ = 0;
  bool stopping_ = false;
  std::mutex join_mutex_;
  std::thread worker_;
};

/// A short name for a status ("ok", "queue_full", ...), as used in metrics labels.
const char* to_string(JobStatus status);

} // namespace inference
