#include "config.hpp"

#include <charconv>
#include <cstdlib>
#include <sstream>

namespace inference {

namespace {

template <class T>
std::string text_of(T value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

template <class T>
bool read_number(const EnvLookup& env, const char* name, T min, T max, T* out, std::string* error) {
  const auto text = env(name);
  if (!text || text->empty())
    return true;
  T value{};
  const auto* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  // !(min <= value <= max) also refuses NaN, which from_chars reads from "nan".
  if (ec != std::errc() || ptr != end || !(value >= min && value <= max)) {
    *error = std::string(name) + "=" + *text + ": expected a number from " + text_of(min) + " to " +
             text_of(max);
    return false;
  }
  *out = value;
  return true;
}

} // namespace

std::optional<Config> config_from_env(const EnvLookup& env, std::string* error) {
  Config c;
  if (auto host = env("HOST"); host && !host->empty())
    c.host = *host;
  if (auto path = env("MODEL_PATH"); path && !path->empty())
    c.model_path = *path;
  long port = c.port;
  long width = 0;
  long max_batch = static_cast<long>(c.batch.max_batch);
  double max_wait_ms = static_cast<double>(c.batch.max_wait.count()) / 1000.0;
  long max_queue = static_cast<long>(c.batch.max_queue);
  long timeout_ms = c.batch.request_timeout.count();
  if (!read_number(env, "PORT", 0L, 65535L, &port, error) ||
      !read_number(env, "INPUT_WIDTH", 0L, 1L << 20, &width, error) ||
      !read_number(env, "MAX_BATCH", 1L, 4096L, &max_batch, error) ||
      !read_number(env, "MAX_WAIT_MS", 0.0, 1000.0, &max_wait_ms, error) ||
      !read_number(env, "MAX_QUEUE", 1L, 1L << 20, &max_queue, error) ||
      !read_number(env, "REQUEST_TIMEOUT_MS", 1L, 600000L, &timeout_ms, error) ||
      !read_number(env, "TORCH_THREADS", 0, 256, &c.torch_threads, error) ||
      !read_number(env, "HTTP_THREADS", 1, 64, &c.http_threads, error)) {
    return std::nullopt;
  }
  c.port = static_cast<std::uint16_t>(port);
  c.input_width = static_cast<std::size_t>(width);
  c.batch.max_batch = static_cast<std::size_t>(max_batch);
  c.batch.max_wait = std::chrono::microseconds(static_cast<long>(max_wait_ms * 1000.0));
  c.batch.max_queue = static_cast<std::size_t>(max_queue);
  c.batch.request_timeout = std::chrono::milliseconds(timeout_ms);
  if (auto device = env("AIC_DEVICE")) {
    auto parsed = parse_device_preference(*device);
    if (!parsed) {
      *error = "AIC_DEVICE=" + *device + ": expected auto, cpu or cuda";
      return std::nullopt;
    }
    c.device = *parsed;
  }
  return c;
}

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr)
      return std::nullopt;
    return std::string(value);
  };
}

} // namespace inference
