// Benchmarks gpu::place, the GPU placement of a whole project: 1,000 replicas on 64 devices,
// shared by memory (spread and binpack), and 64 exclusive count-1 replicas on 64 devices. The
// per-replica time is reported as a counter (target: far below a millisecond per replica).

#include "gpu/allocator.hpp"

#include <benchmark/benchmark.h>
#include <string>
#include <vector>

namespace {

constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;

std::vector<aic::gpu::Device> devices(int n) {
  std::vector<aic::gpu::Device> out;
  for (int i = 0; i < n; ++i) {
    out.push_back({"GPU-" + std::to_string(100000 + i), i, "H100", 80 * kGiB});
  }
  return out;
}

std::vector<aic::gpu::Request> shared_replicas(int n, aic::gpu::Policy policy) {
  std::vector<aic::gpu::Request> out;
  for (int i = 1; i <= n; ++i) {
    aic::gpu::Request r;
    r.service = "svc" + std::to_string(i % 50);
    r.replica = i;
    r.count = 1;
    r.mode = aic::gpu::Mode::Shared;
    r.memory = (1 + i % 4) * kGiB;
    r.policy = policy;
    r.capabilities = {"gpu"};
    out.push_back(std::move(r));
  }
  return out;
}

void run(benchmark::State& state, const std::vector<aic::gpu::Request>& requests,
         const std::vector<aic::gpu::Device>& inventory) {
  for (auto _ : state) {
    auto placed = aic::gpu::place(requests, inventory, {});
    if (!placed) {
      state.SkipWithError(placed.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(placed);
  }
  state.counters["replicas"] = static_cast<double>(requests.size());
  state.counters["per_replica"] = benchmark::Counter(static_cast<double>(requests.size()),
                                                     benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}

void BM_Shared1000On64Spread(benchmark::State& state) {
  run(state, shared_replicas(1000, aic::gpu::Policy::Spread), devices(64));
}
void BM_Shared1000On64Binpack(benchmark::State& state) {
  run(state, shared_replicas(1000, aic::gpu::Policy::Binpack), devices(64));
}
void BM_Exclusive64On64(benchmark::State& state) {
  std::vector<aic::gpu::Request> requests;
  for (int i = 1; i <= 64; ++i) {
    aic::gpu::Request r;
    r.service = "inference";
    r.replica = i;
    r.count = 1;
    requests.push_back(std::move(r));
  }
  run(state, requests, devices(64));
}

BENCHMARK(BM_Shared1000On64Spread)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Shared1000On64Binpack)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Exclusive64On64)->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
