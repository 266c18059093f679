// What aicd runs on other threads than its io_context, under ThreadSanitizer: the blocking pool
// (on_pool) and the build context's worker. A data race fails the run (TSan exits non-zero);
// the assertions check the threads hand their results back where they should.

#include "archive/tar_reader.hpp"
#include "engine/build_context.hpp"
#include "supervisor/async_sync.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace aic {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;

TEST(OnPool, WorkRunsOnThePoolAndResumesOnTheCallersThread) {
  asio::io_context io;
  asio::thread_pool pool(4);
  const auto io_thread = std::this_thread::get_id();
  std::vector<int> results;          // touched only on the io thread
  std::set<std::thread::id> workers; // likewise
  std::atomic<int> on_io_after{0};
  constexpr int kCalls = 200;
  for (int i = 0; i < kCalls; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          std::thread::id worker;
          std::function<Result<int>()> work = [i, &worker]() -> Result<int> {
            worker = std::this_thread::get_id();
            int sum = 0;
            for (int k = 0; k <= i; ++k) {
              sum += k;
            }
            return sum;
          };
          Result<int> out = co_await supervisor::on_pool<int>(pool, work);
          if (std::this_thread::get_id() == io_thread) {
            ++on_io_after;
          }
          workers.insert(worker);
          results.push_back(out ? *out : -1);
        },
        asio::detached);
  }
  io.run();
  pool.join();
  ASSERT_EQ(results.size(), static_cast<std::size_t>(kCalls));
  EXPECT_EQ(on_io_after.load(), kCalls);
  EXPECT_EQ(workers.count(io_thread), 0u) << "the work ran on the io thread";
  long total = 0;
  for (int r : results) {
    total += r;
  }
  long expected = 0;
  for (int i = 0; i < kCalls; ++i) {
    expected += static_cast<long>(i) * (i + 1) / 2;
  }
  EXPECT_EQ(total, expected);
}

/// A directory of `files` files of a few bytes to 200 KB, removed with it.
class ContextDir {
public:
  explicit ContextDir(int files) {
    char name[] = "/tmp/aic-tsan-XXXXXX";
    path_ = ::mkdtemp(name);
    std::ofstream(path_ / "Dockerfile") << "FROM scratch\n";
    for (int i = 0; i < files; ++i) {
      fs::create_directories(path_ / ("d" + std::to_string(i % 7)));
      std::ofstream out(path_ / ("d" + std::to_string(i % 7)) / ("f" + std::to_string(i)));
      out << std::string(static_cast<std::size_t>((i * 7919) % 200000),
                         static_cast<char>('a' + i % 26));
    }
  }
  ~ContextDir() { fs::remove_all(path_); }
  std::string path() const { return path_.string(); }

private:
  fs::path path_;
};

struct CountFiles : archive::TarEntryHandler {
  int files = 0;
  std::uint64_t bytes = 0;
  Result<void> begin_entry(const archive::TarEntry& entry) override {
    files += entry.type == archive::TarEntryType::File ? 1 : 0;
    return {};
  }
  Result<void> entry_data(std::string_view data) override {
    bytes += data.size();
    return {};
  }
  Result<void> end_entry() override { return {}; }
};

TEST(BuildContextWorker, StreamsTheWholeTreeToTheIoThread) {
  ContextDir dir(300);
  asio::io_context io;
  CountFiles counted;
  archive::TarReader reader(counted);
  std::string failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto context = engine::BuildContext::start(io.get_executor(), dir.path(),
                                                   engine::place_dockerfile(dir.path(), ""));
        if (!context) {
          failure = context.error().describe();
          co_return;
        }
        for (;;) {
          auto chunk = co_await (*context)->next_chunk();
          if (!chunk) {
            failure = chunk.error().describe();
            co_return;
          }
          if (!*chunk) {
            break;
          }
          if (auto fed = reader.feed(**chunk); !fed) {
            failure = fed.error().describe();
            co_return;
          }
        }
      },
      asio::detached);
  io.run();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(counted.files, 301); // the Dockerfile and 300 files
  std::uint64_t expected = std::string("FROM scratch\n").size();
  for (int i = 0; i < 300; ++i) {
    expected += static_cast<std::uint64_t>((i * 7919) % 200000);
  }
  EXPECT_EQ(counted.bytes, expected);
}

TEST(BuildContextWorker, AReaderThatLeavesEarlyStopsTheWorker) {
  ContextDir dir(300);
  for (int round = 0; round < 5; ++round) {
    asio::io_context io;
    int chunks = 0;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto context = engine::BuildContext::start(io.get_executor(), dir.path(),
                                                     engine::place_dockerfile(dir.path(), ""));
          if (!context) {
            co_return;
          }
          for (int i = 0; i < round + 1; ++i) {
            auto chunk = co_await (*context)->next_chunk();
            chunks += chunk && *chunk ? 1 : 0;
          }
          // The context goes out of scope here, mid-stream: the worker must stop on its own.
        },
        asio::detached);
    io.run();
    EXPECT_EQ(chunks, round + 1);
  }
  // The workers finish in the background; give them a moment before the directory goes.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

} // namespace
} // namespace aic
