// make-model: writes the demo TorchScript model (no Python, no download), or times a model's
// forward pass in-process (the floor under the HTTP service's numbers).
//
//   make-model [--if-missing] [--seed N] [--input N] [--hidden N] [--layers N] [--output N] PATH
//   make-model --time PATH [--batches 1,8,64] [--seconds S]
#include "model.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

int usage() {
  std::fprintf(stderr, "usage: make-model [--if-missing] [--seed N] [--input N] [--hidden N] "
                       "[--layers N] [--output N] PATH\n"
                       "       make-model --time PATH [--batches 1,8,64] [--seconds S]\n");
  return 2;
}

bool parse_size(const char* text, std::size_t* out) {
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0')
    return false;
  *out = static_cast<std::size_t>(value);
  return true;
}

// Rows per second of forward passes at each batch size, for `seconds` each.
int time_model(const std::string& path, const std::vector<std::size_t>& batches, double seconds) {
  using namespace inference;
  std::string error;
  auto model = Model::load(path, DeviceChoice{}, 0, &error);
  if (!model) {
    std::fprintf(stderr, "make-model: %s\n", error.c_str());
    return 1;
  }
  const std::size_t width = model->info().input_width;
  std::printf("batch\tforwards\tms_per_forward\trows_per_s\n");
  for (std::size_t rows : batches) {
    std::vector<float> input(rows * width, 0.25F);
    (void)model->forward(input, rows, width); // warm
    const auto start = std::chrono::steady_clock::now();
    std::size_t n = 0;
    double elapsed = 0;
    do {
      auto out = model->forward(input, rows, width);
      if (!out.error.empty()) {
        std::fprintf(stderr, "make-model: %s\n", out.error.c_str());
        return 1;
      }
      ++n;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds);
    std::printf("%zu\t%zu\t%.3f\t%.0f\n", rows, n, elapsed * 1000 / static_cast<double>(n),
                static_cast<double>(n * rows) / elapsed);
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  inference::DemoModelSpec spec;
  bool if_missing = false, timing = false;
  std::vector<std::size_t> batches{1, 8, 64};
  double seconds = 2;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    std::size_t* target = nullptr;
    if (arg == "--if-missing") {
      if_missing = true;
    } else if (arg == "--time") {
      timing = true;
    } else if (arg == "--seed" && has_value) {
      std::size_t seed = 0;
      if (!parse_size(argv[++i], &seed))
        return usage();
      spec.seed = seed;
    } else if (arg == "--input" && has_value) {
      target = &spec.input;
    } else if (arg == "--hidden" && has_value) {
      target = &spec.hidden;
    } else if (arg == "--layers" && has_value) {
      target = &spec.layers;
    } else if (arg == "--output" && has_value) {
      target = &spec.output;
    } else if (arg == "--seconds" && has_value) {
      seconds = std::atof(argv[++i]);
    } else if (arg == "--batches" && has_value) {
      batches.clear();
      std::stringstream list(argv[++i]);
      std::string item;
      while (std::getline(list, item, ',')) {
        std::size_t b = 0;
        if (!parse_size(item.c_str(), &b) || b == 0)
          return usage();
        batches.push_back(b);
      }
    } else if (!arg.empty() && arg[0] != '-' && path.empty()) {
      path = arg;
    } else {
      return usage();
    }
    if (target != nullptr && !parse_size(argv[++i], target))
      return usage();
  }
  if (path.empty())
    return usage();
  if (timing)
    return time_model(path, batches, seconds);

  if (if_missing && std::filesystem::exists(path)) {
    std::printf("make-model: %s exists; kept\n", path.c_str());
    return 0;
  }
  // Written beside the target and renamed, so a reader never sees half a model.
  const std::string partial = path + ".partial." + std::to_string(::getpid());
  if (auto error = inference::Model::write_demo(partial, spec); !error.empty()) {
    std::fprintf(stderr, "make-model: %s\n", error.c_str());
    std::filesystem::remove(partial);
    return 1;
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::fprintf(stderr, "make-model: cannot rename %s to %s: %s\n", partial.c_str(), path.c_str(),
                 ec.message().c_str());
    std::filesystem::remove(partial);
    return 1;
  }
  std::printf("make-model: wrote %s (%zu → %zu × %zu → %zu, seed %llu)\n", path.c_str(), spec.input,
              spec.hidden, spec.layers, spec.output, static_cast<unsigned long long>(spec.seed));
  return 0;
}
