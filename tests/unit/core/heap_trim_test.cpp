#include "core/heap_trim.hpp"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <thread>
#include <vector>

namespace aic {
namespace {

/// Unused where the test is skipped (sanitizers replace glibc's allocator).
[[maybe_unused]] long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stol(line.substr(6));
    }
  }
  return -1;
}

TEST(HeapTrim, FreedMemoryOfAnotherThreadsArenaGoesBackToTheSystem) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__) || !defined(__GLIBC__)
  GTEST_SKIP() << "glibc's own allocator only";
#else
  // A burst on a worker thread: 64 MiB in small blocks of that thread's arena, then all but
  // every 512th freed (the survivors keep the arena from shrinking at its top by itself).
  constexpr std::size_t kBlocks = 256 * 1024;
  constexpr std::size_t kBlock = 256;
  std::vector<char*> kept;
  const long before = rss_kib();
  std::thread burst([&] {
    std::vector<char*> blocks(kBlocks);
    for (char*& b : blocks) {
      b = new char[kBlock];
      std::memset(b, 1, kBlock);
    }
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      if (i % 512 == 0) {
        kept.push_back(blocks[i]);
      } else {
        delete[] blocks[i];
      }
    }
  });
  burst.join();
  const long held = rss_kib() - before;
  EXPECT_TRUE(release_free_heap());
  const long after = rss_kib() - before;
  for (char* b : kept) {
    delete[] b;
  }
  constexpr long kBurstKib = static_cast<long>(kBlocks * kBlock / 1024);
  EXPECT_LT(after, kBurstKib / 4) << "still held after the trim: " << after << " KiB of a "
                                  << kBurstKib << " KiB burst (" << held << " KiB before it)";
#endif
}

} // namespace
} // namespace aic
