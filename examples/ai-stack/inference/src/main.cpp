// inference-server: serves a TorchScript model over HTTP with dynamic batching.
//
//   inference-server            serve (settings from the environment, see config.hpp)
//   inference-server --health   GET /health on 127.0.0.1:$PORT; exit 0 when it answers 200
//   inference-server --version
#include "config.hpp"
#include "http_server.hpp"
#include "metrics.hpp"
#include "model.hpp"
#include "service.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <signal.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

constexpr const char* kVersion = "0.1.0";

int signal_pipe[2] = {-1, -1};

void on_signal(int number) {
  const auto byte = static_cast<unsigned char>(number);
  (void)!::write(signal_pipe[1], &byte, 1);
}

void log(const std::string& message) {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
  std::fprintf(stderr, "%s inference: %s\n", stamp, message.c_str());
}

// Loads the model, warms it up with one full batch, then opens /predict. Runs beside the
// network threads so that /health answers 503 "starting" meanwhile.
bool load_and_warm_up(const inference::Config& config, inference::Service& service,
                      inference::Metrics& metrics) {
  using namespace inference;
  const auto started = std::chrono::steady_clock::now();
  if (config.torch_threads > 0)
    Model::set_threads(config.torch_threads);
  const auto cuda = Model::cuda_runtime();
  DeviceError device_error;
  const auto device =
      choose_device(config.device, gpu_environment_from_process(), cuda, &device_error);
  if (!device_error.message.empty()) {
    service.set_failed(device_error.message);
    log("error: " + device_error.message);
    return false;
  }
  log("device " + device.name() + ": " + device.reason + " (LibTorch " + Model::torch_version() +
      ")");
  std::string error;
  std::shared_ptr<Model> model = Model::load(config.model_path, device, config.input_width, &error);
  if (!model) {
    service.set_failed(error);
    log("error: " + error);
    return false;
  }
  const auto& info = model->info();
  const std::size_t width = info.input_width;
  const std::size_t warm_rows = config.batch.max_batch;
  const auto warm = model->forward(std::vector<float>(warm_rows * width, 0.5F), warm_rows, width);
  if (!warm.error.empty()) {
    service.set_failed("warm-up failed: " + warm.error);
    log("error: warm-up failed: " + warm.error);
    return false;
  }
  auto queue = std::make_shared<BatchQueue>(
      config.batch, width,
      [model](const std::vector<float>& inputs, std::size_t rows, std::size_t w) {
        return model->forward(inputs, rows, w);
      },
      [&metrics](const BatchReport& report) {
        metrics.batch(report.rows, report.forward_seconds, report.queue_waits);
      });
  metrics.set_labels(StaticLabels{device.name(), device.assigned_gpus, Model::torch_version(),
                                  info.path, info.sha256});
  service.set_ready(ServingInfo{info.name, info.path, info.sha256, info.input_width,
                                info.output_width, device.name(), device.reason,
                                device.assigned_gpus, cuda.available, Model::torch_version()},
                    std::move(queue));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  log("model " + info.path + " (" + info.name + ", sha256 " + info.sha256.substr(0, 12) + ", " +
      std::to_string(width) + " → " + std::to_string(info.output_width) + ") loaded on " +
      device.name() + " and warmed up with " + std::to_string(warm_rows) + " rows in " +
      std::to_string(ms) + " ms; ready");
  return true;
}

} // namespace

int main(int argc, char** argv) {
  using namespace inference;
  std::string error;
  auto config = config_from_env(process_env(), &error);
  if (!config) {
    log("error: " + error);
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--health") {
      const unsigned status =
          http_get_status("127.0.0.1", config->port, "/health", std::chrono::seconds(3));
      if (status != 200) {
        std::fprintf(stderr, "health: GET /health on port %u: %s\n", config->port,
                     status == 0 ? "no answer" : std::to_string(status).c_str());
      }
      return status == 200 ? 0 : 1;
    }
    if (arg == "--version") {
      std::printf("inference-server %s (LibTorch %s)\n", kVersion, Model::torch_version().c_str());
      return 0;
    }
    std::fprintf(stderr, "usage: inference-server [--health | --version]\n"
                         "settings come from the environment: PORT, HOST, MODEL_PATH, INPUT_WIDTH, "
                         "MAX_BATCH, MAX_WAIT_MS, MAX_QUEUE, REQUEST_TIMEOUT_MS, AIC_DEVICE, "
                         "TORCH_THREADS, HTTP_THREADS\n");
    return arg == "--help" || arg == "-h" ? 0 : 2;
  }

  // SIGINT/SIGTERM write their number to a pipe that one thread reads. (Blocking them for
  // sigwait would not do: OpenBLAS starts its threads before main, with the signals open.)
  if (::pipe(signal_pipe) != 0) {
    log(std::string("error: pipe: ") + std::strerror(errno));
    return 1;
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  Metrics metrics;
  Service service(ServiceOptions{kVersion}, metrics);
  ServerOptions server_options;
  server_options.address = config->host;
  server_options.port = config->port;
  server_options.threads = config->http_threads;
  HttpServer server(service, server_options);
  if (auto listen_error = server.listen(); !listen_error.empty()) {
    log("error: " + listen_error);
    return 1;
  }
  log("listening on " + config->host + ":" + std::to_string(server.port()) + " (max batch " +
      std::to_string(config->batch.max_batch) + ", max wait " +
      std::to_string(config->batch.max_wait.count()) + " µs, queue " +
      std::to_string(config->batch.max_queue) + ")");

  int exit_code = 0;
  std::thread loader([&] {
    bool loaded = false;
    try {
      loaded = load_and_warm_up(*config, service, metrics);
    } catch (const std::exception& e) {
      service.set_failed(e.what());
      log(std::string("error: loading the model: ") + e.what());
    }
    if (!loaded) {
      exit_code = 1;
      server.stop();
    }
  });
  std::thread signal_waiter([&] {
    unsigned char signal_number = 0;
    while (::read(signal_pipe[0], &signal_number, 1) < 0 && errno == EINTR) {
    }
    if (signal_number == 0)
      return; // woken to be joined
    log(std::string("stopping on ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
        ": answering what is queued");
    service.drain();
    // The last answers are posted to the network threads; give them a moment to be written.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    server.stop();
  });
  server.run();
  // The network threads are done: stop the batcher before anything it answers to is destroyed
  // (a drain that sticks, should the loader still be finishing).
  service.drain();
  loader.join();
  // Whatever stopped the server, the signal thread is woken so that it can be joined.
  const unsigned char wake = 0;
  (void)!::write(signal_pipe[1], &wake, 1);
  signal_waiter.join();
  log("stopped");
  return exit_code;
}
