// Benchmarks compose::load_project on a generated project (50 and 500 services) that uses the
// features real files lean on: x-* fragments with anchors and `<<` merge keys, interpolation with
// defaults, short-syntax ports and volumes, environment lists, depends_on chains, healthchecks,
// networks and named volumes. Files live in a MemoryFileSource, so no disk I/O is measured.

#include "compose/file_source.hpp"
#include "compose/loader.hpp"

#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <sys/resource.h>

namespace {

constexpr int kChainLength = 10; ///< services form depends_on chains of this length
constexpr int kCacheVolumes = 10;

/// A deterministic compose file with `services` services (at most 1000: ports are 20000+i).
std::string make_compose_file(int services) {
  std::string out = R"(name: bench
x-common: &common
  restart: unless-stopped
  networks: [front, back]
  labels:
    com.example.tier: app
    com.example.owner: platform
  logging:
    driver: json-file
    options:
      max-size: 10m
x-health: &health
  healthcheck:
    test: ["CMD", "curl", "-f", "http://localhost:8080/health"]
    interval: 10s
    timeout: 3s
    retries: 3
    start_period: 5s
x-limits: &limits
  ulimits:
    nofile:
      soft: 20000
      hard: 40000
  stop_grace_period: 30s
services:
)";
  char buf[64];
  for (int i = 0; i < services; ++i) {
    std::snprintf(buf, sizeof buf, "svc-%04d", i);
    const std::string name = buf;
    out += "  " + name + ":\n";
    out += "    <<: [*common, *health, *limits]\n";
    out += "    image: \"registry.example.com/team/" + name + ":${IMAGE_TAG:-latest}\"\n";
    std::snprintf(buf, sizeof buf, "%03d", i);
    out += "    ports:\n";
    out += "      - \"${PORT_BASE}" + std::string(buf) + ":8080\"\n";
    out += "      - \"127.0.0.1:" + std::to_string(30000 + i) + ":9090/udp\"\n";
    out += "    volumes:\n";
    out += "      - ./data/" + name + ":/data\n";
    out += "      - cache-" + std::to_string(i % kCacheVolumes) + ":/cache:ro\n";
    out += "    environment:\n";
    out += "      - SERVICE_NAME=" + name + "\n";
    out += "      - LOG_LEVEL=${LOG_LEVEL:-info}\n";
    out += "      - INDEX=" + std::to_string(i) + "\n";
    out += "      - DATABASE_URL=postgres://user:pass@db:5432/" + name + "\n";
    out += "    command: [\"serve\", \"--port\", \"8080\", \"--name\", \"" + name + "\"]\n";
    if (i % kChainLength != 0) {
      std::snprintf(buf, sizeof buf, "svc-%04d", i - 1);
      out += "    depends_on:\n";
      out += "      " + std::string(buf) + ":\n";
      out += "        condition: service_healthy\n";
    }
  }
  out +=
      "networks:\n  front:\n    driver: bridge\n  back:\n    driver: bridge\n    internal: true\n";
  out += "volumes:\n";
  for (int v = 0; v < kCacheVolumes; ++v) {
    out += "  cache-" + std::to_string(v) + ":\n    driver: local\n";
  }
  return out;
}

// ru_maxrss is the process-wide high-water mark (KiB on Linux), not this benchmark's own usage:
// it never goes down, so a later, smaller benchmark reports at least an earlier one's peak.
long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// Before any benchmark has run (static initialization): the process's own baseline.
const long kStartPeakRssKb = peak_rss_kb();

void BM_LoadProject(benchmark::State& state) {
  const long rss_before = peak_rss_kb();
  const int services = static_cast<int>(state.range(0));
  aic::compose::MemoryFileSource files;
  files.add("/p/compose.yaml", make_compose_file(services));
  aic::compose::LoadOptions options;
  options.working_dir = "/p";
  options.files = {"/p/compose.yaml"};
  options.environment = {{"HOME", "/root"}, {"PORT_BASE", "20"}};

  // One checked load outside the timing, so a loader regression fails loudly instead of
  // benchmarking the error path.
  auto first = aic::compose::load_project(options, files);
  if (!first) {
    state.SkipWithError(first.error().describe().c_str());
    return;
  }
  const aic::compose::Node* loaded = first->model.find("services");
  if (!loaded || loaded->entries.size() != static_cast<std::size_t>(services)) {
    state.SkipWithError("the generated project did not load every service");
    return;
  }

  for (auto _ : state) {
    auto project = aic::compose::load_project(options, files);
    benchmark::DoNotOptimize(project);
  }
  const long rss_after = peak_rss_kb();

  state.SetItemsProcessed(state.iterations()); // items/s == loads/s
  state.counters["services_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * services, benchmark::Counter::kIsRate);
  state.counters["peak_rss_kb_at_start"] = static_cast<double>(kStartPeakRssKb);
  state.counters["peak_rss_kb_before"] = static_cast<double>(rss_before);
  state.counters["peak_rss_kb"] = static_cast<double>(rss_after);
}

BENCHMARK(BM_LoadProject)->Arg(50)->Arg(500)->Unit(benchmark::kMillisecond);

} // namespace

// `compose_load_bench --write-compose=N:PATH` writes the generated N-service file and exits, so
// bench/compare_config.sh can time `aic config` against docker-compose on the very same input.
int main(int argc, char** argv) {
  constexpr std::string_view kWrite = "--write-compose=";
  if (argc == 2 && std::string_view(argv[1]).substr(0, kWrite.size()) == kWrite) {
    std::string_view arg = std::string_view(argv[1]).substr(kWrite.size());
    std::size_t colon = arg.find(':');
    if (colon == std::string_view::npos) {
      std::fprintf(stderr, "usage: %s --write-compose=N:PATH\n", argv[0]);
      return 2;
    }
    const int services = std::atoi(std::string(arg.substr(0, colon)).c_str());
    std::FILE* f = std::fopen(std::string(arg.substr(colon + 1)).c_str(), "w");
    if (!f || services <= 0 || services > 1000) {
      std::fprintf(stderr, "cannot write %s services to %s\n",
                   std::string(arg.substr(0, colon)).c_str(),
                   std::string(arg.substr(colon + 1)).c_str());
      return 1;
    }
    const std::string text = make_compose_file(services);
    std::fwrite(text.data(), 1, text.size(), f);
    return std::fclose(f) == 0 ? 0 : 1;
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
