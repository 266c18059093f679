#include "service.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>

namespace inference {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

HttpResponse json_response(unsigned status, const json& body) {
  HttpResponse r;
  r.status = status;
  // Invalid UTF-8 (from a request's path, say) is replaced, never thrown.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

std::string path_of(const std::string& target) {
  const auto q = target.find('?');
  return q == std::string::npos ? target : target.substr(0, q);
}

struct ParsedInputs {
  std::vector<float> values;
  std::size_t rows = 0;
  std::string error; ///< non-empty: a 400 with this message
};

// {"inputs": [[...], ...]} (a batch) or {"input": [...]} (one row); every row `width` numbers.
ParsedInputs parse_inputs(const std::string& body, std::size_t width) {
  ParsedInputs out;
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    out.error = "the body is not JSON";
    return out;
  }
  if (!doc.is_object()) {
    out.error =
        "the body must be an object with \"inputs\" (a list of rows) or \"input\" (one row)";
    return out;
  }
  // The rows are read where they are: a copy of a deeply nested body would recurse.
  std::vector<const json*> rows;
  std::string key;
  if (auto it = doc.find("inputs"); it != doc.end()) {
    key = "inputs";
    if (!it->is_array()) {
      out.error = "inputs must be a list of rows";
      return out;
    }
    for (const auto& row : *it)
      rows.push_back(&row);
  } else if (auto one = doc.find("input"); one != doc.end()) {
    key = "input";
    rows.push_back(&*one);
  } else {
    out.error = "missing \"inputs\" (a list of rows) or \"input\" (one row)";
    return out;
  }
  if (rows.empty()) {
    out.error = "inputs is empty";
    return out;
  }
  out.values.reserve(rows.size() * width);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = *rows[r];
    const std::string where = key == "input" ? "input" : "inputs[" + std::to_string(r) + "]";
    if (!row.is_array()) {
      out.error = where + " must be a list of " + std::to_string(width) + " numbers";
      return out;
    }
    if (row.size() != width) {
      out.error = where + " has " + std::to_string(row.size()) + " values; the model takes " +
                  std::to_string(width);
      return out;
    }
    for (std::size_t c = 0; c < row.size(); ++c) {
      const auto& v = row[c];
      if (!v.is_number() || !std::isfinite(v.get<double>()) ||
          std::abs(v.get<double>()) > std::numeric_limits<float>::max()) {
        out.error = where + "[" + std::to_string(c) + "] is not a finite 32-bit number";
        return out;
      }
      out.values.push_back(v.get<float>());
    }
  }
  out.rows = rows.size();
  return out;
}

} // namespace

HttpResponse error_response(unsigned status, const std::string& code, const std::string& message) {
  return json_response(status, json{{"error", {{"code", code}, {"message", message}}}});
}

Service::Service(ServiceOptions options, Metrics& metrics)
    : options_(std::move(options)), metrics_(metrics) {}

void Service::set_ready(ServingInfo info, std::shared_ptr<BatchQueue> queue) {
  bool draining = false;
  {
    std::lock_guard lock(mutex_);
    info_ = std::move(info);
    queue_ = queue;
    draining = draining_;
  }
  // Ready after a drain began (a stop during loading): the queue refuses from the start.
  if (draining)
    queue->stop();
  ready_.store(true, std::memory_order_release);
}

void Service::set_failed(std::string error) {
  std::lock_guard lock(mutex_);
  failure_ = std::move(error);
}

void Service::drain() {
  std::shared_ptr<BatchQueue> queue;
  {
    std::lock_guard lock(mutex_);
    draining_ = true;
    queue = queue_;
  }
  if (queue)
    queue->stop();
}

void Service::handle(const HttpRequest& request, Reply reply) {
  // Answered exactly once even when routing throws (bad_alloc, say): a 500, never an
  // exception into the network threads.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  Reply once = [answered, reply = std::move(reply)](HttpResponse response) {
    if (!answered->exchange(true))
      reply(std::move(response));
  };
  try {
    route(request, once);
  } catch (const std::exception& e) {
    once(error_response(500, "internal", e.what()));
  } catch (...) {
    once(error_response(500, "internal", "unknown exception"));
  }
}

void Service::route(const HttpRequest& request, const Reply& reply) {
  const auto started = Clock::now();
  ++metrics_.inflight;
  // Every answer is counted once, whichever thread sends it.
  Reply counted = [this, started, reply](HttpResponse response) {
    metrics_.request_done(response.status,
                          std::chrono::duration<double>(Clock::now() - started).count());
    --metrics_.inflight;
    reply(std::move(response));
  };
  const std::string path = path_of(request.target);
  struct Route {
    const char* path;
    const char* method;
  };
  static constexpr Route kRoutes[] = {
      {"/predict", "POST"}, {"/health", "GET"}, {"/info", "GET"}, {"/metrics", "GET"}};
  const auto route = std::find_if(std::begin(kRoutes), std::end(kRoutes),
                                  [&](const Route& r) { return path == r.path; });
  if (route == std::end(kRoutes)) {
    counted(error_response(404, "not_found",
                           "no endpoint " + path +
                               "; try POST /predict, GET /health, /info, /metrics"));
    return;
  }
  const bool head_as_get = request.method == "HEAD" && std::string(route->method) == "GET";
  if (request.method != route->method && !head_as_get) {
    auto r = error_response(405, "method_not_allowed",
                            path + " takes " + route->method + ", not " + request.method);
    r.headers.emplace_back("Allow", route->method);
    counted(std::move(r));
    return;
  }
  if (path == "/predict") {
    predict(request, std::move(counted));
  } else if (path == "/health") {
    counted(health());
  } else if (path == "/info") {
    counted(info());
  } else {
    counted(metrics());
  }
}

void Service::predict(const HttpRequest& request, Reply reply) {
  if (!ready()) {
    auto r = error_response(503, "not_ready", "the model is still loading");
    r.headers.emplace_back("Retry-After", "1");
    reply(std::move(r));
    return;
  }
  std::shared_ptr<BatchQueue> queue;
  std::string sha, device;
  {
    std::lock_guard lock(mutex_);
    queue = queue_;
    sha = info_.model_sha256;
    device = info_.device;
  }
  auto parsed = parse_inputs(request.body, queue->width());
  if (!parsed.error.empty()) {
    reply(error_response(400, "invalid_input", parsed.error));
    return;
  }
  const std::size_t max_rows = queue->options().max_batch;
  if (parsed.rows > max_rows) {
    metrics_.rejected("too_large");
    reply(error_response(413, "too_large",
                         std::to_string(parsed.rows) + " rows; one request takes at most " +
                             std::to_string(max_rows) + " (MAX_BATCH)"));
    return;
  }
  const std::size_t rows = parsed.rows;
  queue->submit(std::move(parsed.values), rows,
                [this, reply = std::move(reply), sha, device, rows](JobResult result) {
                  switch (result.status) {
                  case JobStatus::Ok:
                    break;
                  case JobStatus::QueueFull: {
                    metrics_.rejected("queue_full");
                    auto r = error_response(503, "queue_full", result.error);
                    r.headers.emplace_back("Retry-After", "1");
                    reply(std::move(r));
                    return;
                  }
                  case JobStatus::TooLarge:
                    metrics_.rejected("too_large");
                    reply(error_response(413, "too_large", result.error));
                    return;
                  case JobStatus::Timeout:
                    metrics_.rejected("timeout");
                    reply(error_response(504, "timeout", result.error));
                    return;
                  case JobStatus::ShuttingDown: {
                    auto r = error_response(503, "shutting_down", result.error);
                    r.headers.emplace_back("Retry-After", "1");
                    reply(std::move(r));
                    return;
                  }
                  case JobStatus::Failed:
                    reply(error_response(500, "inference_failed", result.error));
                    return;
                  }
                  json outputs = json::array();
                  json predictions = json::array();
                  const std::size_t w = result.output_width;
                  for (std::size_t r = 0; r < rows; ++r) {
                    const auto first = result.outputs.begin() + static_cast<std::ptrdiff_t>(r * w);
                    const auto last = first + static_cast<std::ptrdiff_t>(w);
                    outputs.push_back(std::vector<float>(first, last));
                    predictions.push_back(std::distance(first, std::max_element(first, last)));
                  }
                  reply(json_response(200, json{{"outputs", std::move(outputs)},
                                                {"predictions", std::move(predictions)},
                                                {"model", sha.substr(0, 12)},
                                                {"device", device},
                                                {"batch_size", result.batch_rows}}));
                });
}

HttpResponse Service::health() const {
  std::lock_guard lock(mutex_);
  if (draining_) {
    // Load balancers stop sending here while the queue is answered.
    return json_response(503, json{{"status", "stopping"}});
  }
  if (ready()) {
    return json_response(200, json{{"status", "ok"},
                                   {"device", info_.device},
                                   {"model", info_.model_sha256.substr(0, 12)}});
  }
  if (!failure_.empty()) {
    return json_response(503, json{{"status", "failed"}, {"error", failure_}});
  }
  return json_response(503, json{{"status", "starting"}});
}

HttpResponse Service::info() const {
  std::lock_guard lock(mutex_);
  json body{{"version", options_.version}, {"ready", ready()}};
  if (ready()) {
    body["model"] = {{"name", info_.model_name},
                     {"path", info_.model_path},
                     {"sha256", info_.model_sha256},
                     {"input_width", info_.input_width},
                     {"output_width", info_.output_width}};
    body["device"] = info_.device;
    body["device_reason"] = info_.device_reason;
    body["gpus"] = info_.assigned_gpus;
    body["cuda_available"] = info_.cuda_available;
    body["torch_version"] = info_.torch_version;
    body["batching"] = {
        {"max_batch", queue_->options().max_batch},
        {"max_wait_ms",
         std::chrono::duration<double, std::milli>(queue_->options().max_wait).count()},
        {"max_queue", queue_->options().max_queue},
        {"request_timeout_ms", queue_->options().request_timeout.count()}};
  } else {
    body["model"] = nullptr;
    if (!failure_.empty())
      body["error"] = failure_;
  }
  return json_response(200, body);
}

HttpResponse Service::metrics() const {
  std::shared_ptr<BatchQueue> queue;
  {
    std::lock_guard lock(mutex_);
    queue = queue_;
  }
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = metrics_.render(queue ? queue->depth() : 0);
  return r;
}

} // namespace inference
