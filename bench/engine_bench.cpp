// Times the Docker Engine client against the real engine (bench/run_engine.sh drives it and
// compares with curl and the docker CLI). Not a Google Benchmark: every request goes to the
// engine, so the numbers are the engine's and the socket's as much as ours, and what matters is
// the comparison made in the same run.
//
//   engine_bench list --requests N --concurrency C [--label KEY=VALUE] [--warmup W]
//                     [--dockerd-pid PID]
//       N × GET /containers/json?all=1 through DockerClient::list_containers (JSON decoded into
//       ContainerSummary values, as a caller gets them), unfiltered and, with --label, filtered
//       on that label; each sequentially and from C coroutines on one io_context; then the same
//       request sequentially on the client's HttpTransport, body not decoded.
//   engine_bench logs --container ID
//       All logs of a container (follow=false, stdout and stderr), demultiplexed and discarded.
//
// One line per measurement on stdout, `key=value` fields (bench/run_engine.py reads them).
// Wall times come from steady_clock, CPU times (user + system of this process) from getrusage;
// with --dockerd-pid (a local engine), the engine's CPU time per request from /proc.

#include "engine/docker_client.hpp"
#include "engine/docker_host.hpp"
#include "engine/query.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/resource.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace engine = aic::engine;
using aic::Error;
using aic::ErrorCode;
using aic::Result;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kUsage =
    "usage: engine_bench list --requests N --concurrency C [--label KEY=VALUE] [--warmup W]\n"
    "                         [--dockerd-pid PID]\n"
    "       engine_bench logs --container ID\n"
    "The engine is DOCKER_HOST's (default unix:///var/run/docker.sock).\n";

/// A log stream that sends nothing for this long has stalled: the bench fails instead of hanging.
constexpr std::chrono::seconds kLogIdleTimeout{60};

struct Args {
  std::string mode;
  int requests = 1000;
  int concurrency = 8;
  int warmup = 20;
  std::string label;
  std::string container;
  std::string dockerd_pid;
};

std::optional<Args> parse_args(int argc, char** argv) {
  if (argc < 2) {
    return std::nullopt;
  }
  Args args;
  args.mode = argv[1];
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--requests") {
      args.requests = std::atoi(value);
    } else if (flag == "--concurrency") {
      args.concurrency = std::atoi(value);
    } else if (flag == "--warmup") {
      args.warmup = std::atoi(value);
    } else if (flag == "--label") {
      args.label = value;
    } else if (flag == "--dockerd-pid") {
      args.dockerd_pid = value;
    } else if (flag == "--container") {
      args.container = value;
    } else {
      return std::nullopt;
    }
  }
  if ((argc - 2) % 2 != 0 || args.requests < 1 || args.concurrency < 1 || args.warmup < 0) {
    return std::nullopt;
  }
  if (args.mode == "list" || (args.mode == "logs" && !args.container.empty())) {
    return args;
  }
  return std::nullopt;
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// CPU seconds (user + system, all threads) process `pid` has used, or -1 when unreadable.
double process_cpu_seconds(const std::string& pid) {
  if (pid.empty()) {
    return -1;
  }
  std::ifstream in("/proc/" + pid + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos) {
    return -1;
  }
  // After the command name: state is field 3, utime and stime are fields 14 and 15.
  std::istringstream fields(stat.substr(paren + 1));
  std::string skip;
  for (int field = 3; field < 14; ++field) {
    fields >> skip;
  }
  long long utime = 0;
  long long stime = 0;
  if (!(fields >> utime >> stime)) {
    return -1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Nearest-rank percentile of sorted values, `p` in (0, 1].
double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

/// Runs `make(i)` for i in [0, count) as concurrent coroutines on `io` until all finish; the
/// first error (or exception) wins.
template <typename Make>
Result<void> run_all(asio::io_context& io, int count, Make make) {
  std::optional<Error> failure;
  for (int i = 0; i < count; ++i) {
    asio::co_spawn(io, make(i), [&failure](std::exception_ptr thrown, Result<void> done) {
      if (failure) {
        return;
      }
      if (thrown) {
        try {
          std::rethrow_exception(thrown);
        } catch (const std::exception& e) {
          failure.emplace(ErrorCode::Internal, e.what());
        }
      } else if (!done) {
        failure.emplace(std::move(done).error());
      }
    });
  }
  io.restart();
  io.run();
  if (failure) {
    return std::move(*failure);
  }
  return {};
}

struct ListRun {
  std::vector<double> latencies_ms;
  std::size_t items = 0; ///< containers listed, or body bytes for the bare transport
};

/// One request; yields the number of containers (or body bytes) it got.
using ListOp = std::function<asio::awaitable<Result<std::size_t>>()>;

/// Takes request numbers from `next` until `total` are issued, timing each.
asio::awaitable<Result<void>> list_worker(const ListOp& op, int& next, int total, ListRun& run) {
  while (next < total) {
    ++next;
    const auto start = Clock::now();
    auto items = co_await op();
    if (!items) {
      co_return std::move(items).error().with_context("listing containers");
    }
    run.latencies_ms.push_back(seconds_since(start) * 1e3);
    run.items = *items;
  }
  co_return Result<void>{};
}

/// Times `requests` calls of `op` from `concurrency` coroutines (after a warm-up that also
/// opens one keep-alive connection per coroutine) and prints one line.
Result<void> time_list(asio::io_context& io, const Args& args, const std::string& fields,
                       const ListOp& op, int concurrency) {
  ListRun warm;
  int issued = 0;
  const int warm_total = std::max(args.warmup, concurrency);
  auto warmed =
      run_all(io, concurrency, [&](int) { return list_worker(op, issued, warm_total, warm); });
  if (!warmed) {
    return warmed;
  }
  ListRun run;
  run.latencies_ms.reserve(static_cast<std::size_t>(args.requests));
  issued = 0;
  const double engine_start = process_cpu_seconds(args.dockerd_pid);
  const double cpu_start = cpu_seconds();
  const auto start = Clock::now();
  auto done =
      run_all(io, concurrency, [&](int) { return list_worker(op, issued, args.requests, run); });
  const double wall = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  const double engine_end = process_cpu_seconds(args.dockerd_pid);
  if (!done) {
    return done;
  }
  const double engine_us =
      engine_start < 0 || engine_end < 0 ? -1 : (engine_end - engine_start) / args.requests * 1e6;
  std::sort(run.latencies_ms.begin(), run.latencies_ms.end());
  std::printf("list %s concurrency=%d requests=%d items=%zu seconds=%.4f rps=%.1f p50_ms=%.3f "
              "p99_ms=%.3f cpu_us_per_req=%.1f dockerd_us_per_req=%.1f\n",
              fields.c_str(), concurrency, args.requests, run.items, wall, args.requests / wall,
              percentile(run.latencies_ms, 0.50), percentile(run.latencies_ms, 0.99),
              cpu / args.requests * 1e6, engine_us);
  std::fflush(stdout);
  return {};
}

Result<void> bench_list(asio::io_context& io, engine::DockerClient& client, const Args& args) {
  std::vector<std::pair<std::string, engine::Filters>> cases;
  cases.emplace_back("none", engine::Filters{});
  if (!args.label.empty()) {
    cases.emplace_back("label", engine::Filters{{"label", {args.label}}});
  }
  for (const auto& entry : cases) {
    const std::string& filter = entry.first;
    engine::ContainerListOptions options;
    options.filters = entry.second;
    // What a caller of the client gets: the request, and the body decoded into summaries.
    const ListOp decoded = [&client, options]() -> asio::awaitable<Result<std::size_t>> {
      auto list = co_await client.list_containers(options);
      if (!list) {
        co_return std::move(list).error();
      }
      co_return list->size();
    };
    // The same request on the client's transport, body left undecoded: the HTTP part alone,
    // comparable with curl.
    engine::Query query;
    query.add_bool("all", true);
    if (!entry.second.empty()) {
      query.add("filters", engine::encode_filters(entry.second));
    }
    const std::string path = "/containers/json" + query.str();
    const ListOp raw = [&client, path]() -> asio::awaitable<Result<std::size_t>> {
      auto version = co_await client.api_version();
      if (!version) {
        co_return std::move(version).error();
      }
      engine::HttpRequest request;
      request.target = "/v" + version->to_string() + path;
      auto response = co_await client.transport().request(std::move(request));
      if (!response) {
        co_return std::move(response).error();
      }
      if (response->status != 200) {
        co_return engine::engine_error(response->status, response->body);
      }
      co_return response->body.size();
    };
    std::vector<int> concurrencies{1};
    if (args.concurrency > 1) {
      concurrencies.push_back(args.concurrency);
    }
    for (int concurrency : concurrencies) {
      if (auto done =
              time_list(io, args, "client=docker_client filter=" + filter, decoded, concurrency);
          !done) {
        return done;
      }
    }
    if (auto done = time_list(io, args, "client=transport filter=" + filter, raw, 1); !done) {
      return done;
    }
  }
  return {};
}

struct LogRun {
  std::size_t bytes = 0;
  std::size_t chunks = 0;
};

asio::awaitable<Result<void>> stream_logs(engine::DockerClient& client, const std::string& id,
                                          LogRun& run) {
  // A named options value: GCC 12 destroys an aggregate temporary argument of a coroutine
  // inside co_await twice.
  engine::LogOptions options;
  auto stream = co_await client.logs(id, std::move(options));
  if (!stream) {
    co_return std::move(stream).error().with_context("opening the logs of " + id);
  }
  for (;;) {
    auto chunks = co_await (*stream)->read(kLogIdleTimeout);
    if (!chunks) {
      co_return std::move(chunks).error().with_context("reading the logs of " + id);
    }
    if (!*chunks) {
      co_return Result<void>{};
    }
    for (const engine::OutputChunk& chunk : **chunks) {
      run.bytes += chunk.data.size();
    }
    run.chunks += (*chunks)->size();
  }
}

Result<void> bench_logs(asio::io_context& io, engine::DockerClient& client, const Args& args) {
  LogRun run;
  const double cpu_start = cpu_seconds();
  const auto start = Clock::now();
  auto done = run_all(io, 1, [&](int) { return stream_logs(client, args.container, run); });
  const double wall = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  if (!done) {
    return done;
  }
  std::printf("logs bytes=%zu chunks=%zu seconds=%.4f mb_per_s=%.1f cpu_s=%.3f\n", run.bytes,
              run.chunks, wall, static_cast<double>(run.bytes) / 1e6 / wall, cpu);
  return {};
}

} // namespace

int main(int argc, char** argv) {
  const auto args = parse_args(argc, argv);
  if (!args) {
    std::fputs(kUsage.data(), stderr);
    return 2;
  }
  auto address = engine::engine_address_from_environment(std::getenv("DOCKER_HOST"),
                                                         std::getenv("DOCKER_TLS_VERIFY"));
  if (!address) {
    std::fprintf(stderr, "engine_bench: error: %s\n", address.error().describe().c_str());
    return 1;
  }
  asio::io_context io;
  engine::DockerClient client(io.get_executor(), engine::ClientOptions{.address = *address});
  const Result<void> done =
      args->mode == "list" ? bench_list(io, client, *args) : bench_logs(io, client, *args);
  if (!done) {
    std::fprintf(stderr, "engine_bench: error: %s\n", done.error().describe().c_str());
    return 1;
  }
  return 0;
}
