// aicd: the aic daemon. The composition root: flags, logging, the io_context, the engine client,
// the project store and operations, and the REST server (docs/architecture.md).

#include "api/daemon_metrics.hpp"
#include "api/server.hpp"
#include "api/status_cache.hpp"
#include "api/v1_routes.hpp"
#include "core/heap_trim.hpp"
#include "engine/docker_client.hpp"
#include "engine/docker_host.hpp"
#include "events/engine_event_source.hpp"
#include "events/event_hub.hpp"
#include "store/project_store.hpp"
#include "supervisor/project_operations.hpp"
#include "supervisor/supervisor.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace {

namespace asio = boost::asio;

constexpr std::string_view kVersion = "0.1.0";

struct Flags {
  std::string socket = "/run/aic/aicd.sock";
  std::optional<std::string> socket_group;
  std::string state_dir = "/var/lib/aic";
  std::optional<std::string> listen;
  std::optional<std::string> token_file;
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  std::optional<std::string> docker_host;
  std::string log_level = "info";
  std::optional<std::string> log_file;
  std::optional<std::string> gpu_inventory;
  std::string gpu_policy = "spread";
  std::size_t engine_parallel = 8;
  bool allow_engine_socket_mounts = false;
};

constexpr std::string_view kHelp =
    "Usage:  aicd [OPTIONS]\n\n"
    "The aic daemon: runs Compose projects through the Docker engine and serves the REST API\n"
    "that the aic command uses.\n\n"
    "Options:\n"
    "      --socket PATH         Unix socket to listen on (default /run/aic/aicd.sock, mode 0660)\n"
    "      --socket-group GROUP  Group owning the socket (default: aicd's group)\n"
    "      --state-dir DIR       Where desired project state is kept (default /var/lib/aic)\n"
    "      --listen HOST:PORT    Also listen on TCP; every request then needs the token\n"
    "                            (but the dashboard's files at /)\n"
    "      --token-file FILE     File holding the bearer token for --listen\n"
    "      --tlscert FILE        Serve --listen over TLS only, with this PEM certificate\n"
    "                            (chain); needs --tlskey\n"
    "      --tlskey FILE         The PEM private key of --tlscert\n"
    "      --docker-host URL     Docker engine address (default DOCKER_HOST or\n"
    "                            unix:///var/run/docker.sock)\n"
    "      --log-level LEVEL     trace, debug, info, warn, error (default info)\n"
    "      --log-file FILE       Log to FILE instead of stderr; SIGHUP reopens it\n"
    "      --gpu-inventory FILE  Take the GPUs from FILE (JSON) instead of probing NVML and\n"
    "                            nvidia-smi; reported as source \"fake\" (default\n"
    "                            AIC_GPU_INVENTORY)\n"
    "      --gpu-policy POLICY   Where count-based GPU reservations go by default: spread or\n"
    "                            binpack (default spread)\n"
    "      --engine-parallel N   Container creates, starts and removals sent to the engine at\n"
    "                            once; the rest queue in aicd (default 8, 0: no limit)\n"
    "      --allow-engine-socket-mounts\n"
    "                            Let services bind-mount the Docker engine's socket (or a\n"
    "                            directory above it, such as /); refused by default\n"
    "  -h, --help                Show this help\n"
    "  -v, --version             Show the version\n";

/// Parses argv; returns an exit code to stop with, or nullopt to run.
std::optional<int> parse_flags(int argc, char** argv, Flags& flags) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      return 0;
    }
    if (a == "-v" || a == "--version") {
      std::cout << "aicd version " << kVersion << "\n";
      return 0;
    }
    auto take = [&](std::string& out) -> bool {
      if (inline_value) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) {
        std::cerr << "error: flag needs a value: " << a << "\n";
        return false;
      }
      out = argv[++i];
      return true;
    };
    if (a == "--allow-engine-socket-mounts" && !inline_value) {
      flags.allow_engine_socket_mounts = true;
      continue;
    }
    std::string v;
    if (a == "--socket" || a == "--socket-group" || a == "--state-dir" || a == "--listen" ||
        a == "--token-file" || a == "--tlscert" || a == "--tlskey" || a == "--docker-host" ||
        a == "--log-level" || a == "--log-file" || a == "--gpu-inventory" || a == "--gpu-policy" ||
        a == "--engine-parallel") {
      if (!take(v)) {
        return 2;
      }
    } else {
      std::cerr << "error: unknown flag: " << a << "\nRun 'aicd --help' for usage.\n";
      return 2;
    }
    if (a == "--socket") {
      flags.socket = v;
    } else if (a == "--socket-group") {
      flags.socket_group = v;
    } else if (a == "--state-dir") {
      flags.state_dir = v;
    } else if (a == "--listen") {
      flags.listen = v;
    } else if (a == "--token-file") {
      flags.token_file = v;
    } else if (a == "--tlscert") {
      flags.tls_cert = v;
    } else if (a == "--tlskey") {
      flags.tls_key = v;
    } else if (a == "--docker-host") {
      flags.docker_host = v;
    } else if (a == "--log-level") {
      flags.log_level = v;
    } else if (a == "--log-file") {
      flags.log_file = v;
    } else if (a == "--gpu-inventory") {
      flags.gpu_inventory = v;
    } else if (a == "--gpu-policy") {
      flags.gpu_policy = v;
    } else if (a == "--engine-parallel") {
      if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos) {
        std::cerr << "error: --engine-parallel must be a number from 0 to 9999, not \"" << v
                  << "\"\n";
        return 2;
      }
      flags.engine_parallel = std::stoul(v);
    }
  }
  if (flags.gpu_policy != "spread" && flags.gpu_policy != "binpack") {
    std::cerr << "error: --gpu-policy must be spread or binpack, not \"" << flags.gpu_policy
              << "\"\n";
    return 2;
  }
  if (!flags.gpu_inventory) {
    if (const char* file = std::getenv("AIC_GPU_INVENTORY"); file && *file) {
      flags.gpu_inventory = file;
    }
  }
  if (flags.listen && !flags.token_file) {
    std::cerr << "error: --listen needs --token-file: every TCP request must carry the token\n";
    return 2;
  }
  if (flags.tls_cert.has_value() != flags.tls_key.has_value()) {
    std::cerr << "error: --tlscert and --tlskey go together\n";
    return 2;
  }
  if (flags.tls_cert && !flags.listen) {
    std::cerr << "error: --tlscert is for the TCP listener: add --listen HOST:PORT\n";
    return 2;
  }
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> make_logger(const Flags& flags) {
  std::shared_ptr<spdlog::logger> logger;
  if (flags.log_file) {
    logger = spdlog::basic_logger_mt("aicd", *flags.log_file);
  } else {
    logger = spdlog::stderr_logger_mt("aicd");
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  logger->set_level(spdlog::level::from_str(flags.log_level));
  logger->flush_on(spdlog::level::info);
  return logger;
}

std::optional<std::string> read_token(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 4096) {
    return std::nullopt;
  }
  std::ifstream in(path);
  std::string token;
  std::getline(in, token);
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ')) {
    token.pop_back();
  }
  if (token.empty()) {
    return std::nullopt;
  }
  return token;
}

} // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (auto code = parse_flags(argc, argv, flags)) {
    return *code;
  }
  if (spdlog::level::from_str(flags.log_level) == spdlog::level::off && flags.log_level != "off") {
    std::cerr << "error: unknown --log-level \"" << flags.log_level << "\"\n";
    return 2;
  }
  std::shared_ptr<spdlog::logger> logger;
  try {
    logger = make_logger(flags);
  } catch (const spdlog::spdlog_ex& e) {
    std::cerr << "error: cannot open the log: " << e.what() << "\n";
    return 1;
  }
  spdlog::set_default_logger(logger);

  std::string token;
  if (flags.token_file) {
    std::optional<std::string> t = read_token(*flags.token_file);
    if (!t) {
      spdlog::error("cannot read a token from {} (a regular file with the token on its first "
                    "line, at most 4 KiB)",
                    *flags.token_file);
      return 1;
    }
    token = *t;
  }
  aic::Result<aic::engine::EngineAddress> address =
      flags.docker_host ? aic::engine::parse_docker_host(*flags.docker_host)
                        : aic::engine::engine_address_from_environment(
                              std::getenv("DOCKER_HOST"), std::getenv("DOCKER_TLS_VERIFY"));
  if (!address) {
    spdlog::error("docker host: {}", address.error().describe());
    return 2;
  }

  aic::store::ProjectStore store(flags.state_dir);
  aic::store::ProjectStore supervision_store(flags.state_dir, "supervision");
  for (aic::store::ProjectStore* s : {&store, &supervision_store}) {
    if (aic::Result<void> opened = s->open(); !opened) {
      spdlog::error("{}", opened.error().describe());
      return 1;
    }
  }

  asio::io_context io(1);
  asio::thread_pool blocking(2);
  aic::api::DaemonMetrics metrics;
  aic::engine::ClientOptions client_options;
  client_options.address = *address;
  client_options.max_container_calls = flags.engine_parallel;
  client_options.on_call = [&metrics](const aic::engine::CallRecord& call) {
    metrics.observe_engine_call(call);
  };
  aic::engine::DockerClient docker(io.get_executor(), client_options);
  aic::events::EventHub events(io.get_executor());
  aic::supervisor::ProjectOperations operations(io.get_executor(), docker);
  operations.set_blocking_pool(&blocking);
  aic::supervisor::GpuSchedulerOptions gpu_options;
  gpu_options.inventory.file = flags.gpu_inventory.value_or("");
  if (const char* nvml = std::getenv("AIC_NVML_LIBRARY"); nvml && *nvml) {
    gpu_options.inventory.nvml_library = nvml;
  }
  gpu_options.policy =
      flags.gpu_policy == "binpack" ? aic::gpu::Policy::Binpack : aic::gpu::Policy::Spread;
  gpu_options.log = [](std::string_view level, std::string_view message) {
    spdlog::log(spdlog::level::from_str(std::string(level)), "{}", message);
  };
  if (flags.gpu_inventory) {
    // A broken inventory file is a configuration error: refuse to start.
    if (aic::Result<aic::gpu::Inventory> file = aic::gpu::read_inventory_file(*flags.gpu_inventory);
        !file) {
      spdlog::error("{}", file.error().describe());
      return 1;
    }
  }
  aic::supervisor::GpuScheduler gpus(io.get_executor(), docker, blocking, &events, gpu_options);
  operations.set_gpu_scheduler(&gpus);
  if (!flags.allow_engine_socket_mounts) {
    std::vector<std::string> guarded = {"/var/run/docker.sock", "/run/docker.sock"};
    if (address->kind == aic::engine::EngineAddress::Kind::Unix &&
        std::find(guarded.begin(), guarded.end(), address->path) == guarded.end()) {
      guarded.push_back(address->path);
    }
    operations.set_guarded_paths(std::move(guarded));
  }
  aic::api::DaemonContext context{
      .executor = io.get_executor(),
      .docker = docker,
      .operations = operations,
      .store = store,
      .blocking = blocking,
      .log =
          [](std::string_view level, std::string_view message) {
            spdlog::log(spdlog::level::from_str(std::string(level)), "{}", message);
          },
      .events = &events,
      .metrics = &metrics,
  };
  context.gpus = &gpus;
  aic::api::Router router;
  aic::api::add_v1_routes(router, context);
  aic::api::ServerOptions server_options;
  server_options.unix_socket_path = flags.socket;
  server_options.unix_socket_group = flags.socket_group;
  server_options.tcp_listen = flags.listen;
  server_options.token = token;
  server_options.tls_cert_file = flags.tls_cert.value_or("");
  server_options.tls_key_file = flags.tls_key.value_or("");
  server_options.log = [](std::string_view message) { spdlog::warn("api: {}", message); };
  server_options.on_request = [&metrics](const aic::api::RequestRecord& request) {
    metrics.observe_request(request);
  };
  aic::api::Server server(io.get_executor(), server_options, std::move(router));
  if (aic::Result<void> started = server.start(); !started) {
    spdlog::error("{}", started.error().describe());
    return 1;
  }
  metrics.open_streams = [&server] { return server.open_streams(); };
  // One engine event stream for aicd's whole run feeds GET /v1/events.
  aic::events::EngineEventSourceOptions source_options;
  source_options.log = context.log;
  aic::events::EngineEventSource event_source(io.get_executor(), docker, events, source_options);
  event_source.start();
  // GET /v1/projects/{p} answers from the last list until an event says something changed.
  aic::api::StatusCache status_cache(io.get_executor(), &events, [&event_source] {
    // Both only grow: the sum changes whenever the stream reconnects or drops.
    return event_source.last_drop_ns() + event_source.connections();
  });
  context.status_cache = &status_cache;
  aic::api::LogReads log_reads(io.get_executor());
  context.log_reads = &log_reads;
  // Supervision (docs/supervision.md) reads the same events through the hub.
  aic::supervisor::SupervisorOptions supervisor_options;
  supervisor_options.log = context.log;
  supervisor_options.event_connections = [&event_source] { return event_source.connections(); };
  supervisor_options.event_stream_dropped_ns = [&event_source] {
    return event_source.last_drop_ns();
  };
  supervisor_options.on_restart = [&metrics](const std::string& project,
                                             const aic::proto::RestartRecord& record) {
    metrics.observe_restart(project, record);
  };
  aic::supervisor::Supervisor supervisor(io.get_executor(), docker, events, store,
                                         supervision_store, blocking, context.busy,
                                         supervisor_options);
  context.supervisor = &supervisor;
  metrics.failed_services = [&supervisor] { return supervisor.failed_services(); };
  supervisor.start();
  metrics.gpu_status = [&gpus] { return gpus.last_status(); };
  asio::co_spawn(
      io,
      [&gpus]() -> asio::awaitable<void> {
        if (aic::Result<void> probed = co_await gpus.probe(); !probed) {
          spdlog::warn("gpus: {}", probed.error().describe());
        }
        (void)co_await gpus.observe();
        gpus.start();
      },
      [](std::exception_ptr e) {
        if (e) {
          try {
            std::rethrow_exception(e);
          } catch (const std::exception& ex) {
            spdlog::error("gpus: {}", ex.what());
          } catch (...) {
            spdlog::error("gpus: unexpected failure");
          }
        }
      });
  spdlog::info("aicd {} listening on unix://{}{}, state in {}, engine {}", kVersion, flags.socket,
               flags.listen ? " and tcp://" + *flags.listen + (flags.tls_cert ? " (TLS)" : "")
                            : std::string(),
               flags.state_dir,
               flags.docker_host.value_or(std::getenv("DOCKER_HOST")
                                              ? std::getenv("DOCKER_HOST")
                                              : "unix:///var/run/docker.sock"));

  // Once a minute the heap's free pages go back to the system, on the blocking pool: a burst of
  // requests otherwise leaves aicd at its high-water mark for good (docs/reliability.md, soak).
  asio::steady_timer trim_timer(io);
  std::function<void(const boost::system::error_code&)> trim_heap =
      [&](const boost::system::error_code& ec) {
        if (ec) {
          return;
        }
        asio::post(blocking, [] { (void)aic::release_free_heap(); });
        trim_timer.expires_after(std::chrono::minutes(1));
        trim_timer.async_wait(trim_heap);
      };
  trim_timer.expires_after(std::chrono::minutes(1));
  trim_timer.async_wait(trim_heap);

  asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    spdlog::info("signal {}: stopping; containers keep running", signal);
    supervisor.stop();
    gpus.stop();
    event_source.stop();
    events.close();
    server.stop();
    trim_timer.cancel();
    io.stop();
  });
  asio::signal_set hup(io, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_hup =
      [&](const boost::system::error_code& ec, int) {
        if (ec) {
          return;
        }
        if (flags.log_file) {
          spdlog::drop("aicd");
          try {
            spdlog::set_default_logger(make_logger(flags));
            spdlog::info("log reopened");
          } catch (const spdlog::spdlog_ex& e) {
            std::cerr << "aicd: cannot reopen the log: " << e.what() << "\n";
          }
        }
        hup.async_wait(on_hup);
      };
  hup.async_wait(on_hup);
  std::signal(SIGPIPE, SIG_IGN);

  io.run();
  spdlog::info("aicd stopped");
  spdlog::shutdown();
  // Operations still in flight are abandoned here (their containers stay as they are; the next
  // `up` converges them). Exiting without unwinding spares their coroutine frames a destruction
  // order that would outlive the engine client they point to; every state file is already
  // durable (written with fsync before the operation started).
  std::_Exit(0);
}
