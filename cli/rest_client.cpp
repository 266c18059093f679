#include "cli/rest_client.hpp"

#include "cli/http_connection.hpp"
#include "cli/http_socket.hpp"
#include "proto/error_body.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace aic::cli {
namespace {

constexpr std::size_t kQuotedBodyChars = 200;

std::string describe_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + "s";
  }
  return std::to_string(d.count()) + "ms";
}

std::string describe_size(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes % 1024 == 0) {
    return std::to_string(bytes / 1024) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

/// The Host header: "localhost" for a unix socket, else host and port as in a URL.
std::string host_header(const HostAddress& address) {
  if (address.kind == HostAddress::Kind::Unix) {
    return "localhost";
  }
  std::string host;
  for (const char c : address.host) {
    host += c == '%' ? std::string("%25") : std::string(1, c); // an IPv6 zone, as in a URL
  }
  if (address.host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return address.port == 80 ? host : host + ":" + std::to_string(address.port);
}

std::string normalised_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') {
    return std::string(path);
  }
  return "/" + std::string(path);
}

/// What one call sends: the request line's parts, and the headers that vary.
struct Outgoing {
  std::string_view method;
  std::string target;
  std::string_view accept;
  std::string_view content_type; // "" when none
  bool has_body = false;         // sends a Content-Length, even 0
  std::string_view body;
};

/// The head of `out`'s request. Always a Content-Length (even 0) when a body goes with it, so
/// aicd never waits for a body that will not come; never "Expect: 100-continue".
std::string request_head(const Outgoing& out, const HostAddress& address,
                         const std::string& token) {
  std::string head;
  head.reserve(256 + out.target.size() + token.size());
  head.append(out.method).append(" ").append(out.target).append(" HTTP/1.1\r\n");
  head.append("Host: ").append(host_header(address)).append("\r\n");
  head.append("User-Agent: aic\r\nAccept: ").append(out.accept).append("\r\n");
  if (!token.empty()) {
    head.append("Authorization: Bearer ").append(token).append("\r\n");
  }
  if (!out.content_type.empty()) {
    head.append("Content-Type: ").append(out.content_type).append("\r\n");
  }
  if (out.has_body) {
    head.append("Content-Length: ").append(std::to_string(out.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

/// Whether `method` and `target` can go on a request line as they are.
bool valid_request_line(std::string_view method, std::string_view target) {
  return !method.empty() && !has_control_characters(method) &&
         method.find(' ') == std::string_view::npos && !has_control_characters(target) &&
         target.find(' ') == std::string_view::npos;
}

/// The JSON text of a request body. JSON carries only UTF-8, so a string that is not (a path or
/// an argument from a non-UTF-8 locale) cannot be sent: an error instead of an exception.
Result<std::string> body_text_of(const std::optional<nlohmann::json>& body) {
  if (!body) {
    return std::string();
  }
  try {
    return body->dump();
  } catch (const nlohmann::json::type_error& e) {
    return Error(ErrorCode::InvalidSpec,
                 std::string("cannot send the request to aicd: a value is not valid UTF-8 (") +
                     e.what() + ")");
  }
}

ErrorCode code_for_status(int status) {
  switch (status) {
  case 400:
    return ErrorCode::InvalidSpec;
  case 404:
    return ErrorCode::NotFound;
  case 409:
    return ErrorCode::Conflict;
  case 503:
    return ErrorCode::EngineUnavailable;
  case 504:
    return ErrorCode::Timeout;
  default:
    return ErrorCode::Internal;
  }
}

/// The Error of a non-2xx answer: its envelope, else the status and the start of the body.
Error status_error(int status, const std::string& body, const HostAddress& address) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object()) {
    const auto envelope = json.find("error");
    if (envelope != json.end() && envelope->is_object()) {
      try {
        return proto::error_from_body(json);
      } catch (const nlohmann::json::exception&) {
        // A malformed envelope ("code": 7): quoted below like any other body.
      }
    }
  }
  std::string message = "aicd at " + address.display() + " answered HTTP " + std::to_string(status);
  std::string_view quoted = trim_space(body);
  if (!quoted.empty()) {
    const bool cut = quoted.size() > kQuotedBodyChars;
    message += ": " + std::string(quoted.substr(0, kQuotedBodyChars)) + (cut ? "..." : "");
  }
  return Error(code_for_status(status), std::move(message));
}

bool is_success(int status) {
  return status >= 200 && status <= 299;
}

/// The Error of an exchange with aicd (connected) that ended with `io`; `timeout` is the
/// overall one that passed, for TimedOut.
Error transfer_error(const IoStatus& io, const HostAddress& address, std::string_view method,
                     const std::string& target, std::chrono::milliseconds timeout) {
  const std::string what = std::string(method) + " " + target;
  switch (io.kind) {
  case Io::TimedOut:
    return Error(ErrorCode::Timeout, "aicd at " + address.display() + " did not answer " + what +
                                         " within " + describe_duration(timeout));
  case Io::Closed:
  case Io::Failed:
    return Error(ErrorCode::EngineUnavailable, "aicd at " + address.display() +
                                                   " dropped the connection during " + what + ": " +
                                                   io.detail);
  default:
    return Error(ErrorCode::Internal,
                 what + " to aicd at " + address.display() + " failed: " + io.detail);
  }
}

/// Whether the connection ended under an exchange (closed, reset, ...).
bool dropped(const IoStatus& io) {
  return io.kind == Io::Closed || io.kind == Io::Failed;
}

/// When connecting must be done: `limit` after now (0: no limit), but never after `overall`.
SteadyClock::time_point connect_deadline(const Deadline& overall, std::chrono::milliseconds limit) {
  return overall.capped(limit).at;
}

/// Sends `out` on `connection` and reads its answer's head: the connection is opened when
/// empty, and opened again (once) when aicd had closed the kept one before answering. When
/// sending fails, an answer aicd sent before closing (an early error) is still read.
Result<IoStatus> send_request(std::optional<HttpConnection>& connection, const Outgoing& out,
                              const std::string& head_bytes, const HostAddress& address,
                              const RestLimits& limits, const Deadline& deadline,
                              ResponseHead& head) {
  for (int attempt = 0;; ++attempt) {
    if (connection && !connection->still_open()) {
      connection.reset();
    }
    const bool reused = connection.has_value();
    if (!connection) {
      Result<Socket> socket =
          connect_socket(address, connect_deadline(deadline, limits.connect_timeout));
      if (!socket) {
        return std::move(socket).error();
      }
      connection.emplace(std::move(*socket));
    }
    IoStatus sent = connection->send(head_bytes, deadline);
    if (sent.ok() && !out.body.empty()) {
      sent = connection->send(out.body, deadline);
    }
    IoStatus got = sent;
    if (sent.ok() || (dropped(sent) && !reused)) {
      got = connection->read_head(head, deadline);
      if (!got.ok() && !sent.ok()) {
        got = sent; // no early answer: report why sending failed
      }
    }
    if (dropped(got) && reused && attempt == 0 && !connection->answered()) {
      connection.reset(); // aicd closed the idle connection as the request went out
      continue;
    }
    return got;
  }
}

/// Reads the body of `head` into `body`, within `limit` bytes: Stopped when it grows past it.
IoStatus read_whole_body(HttpConnection& connection, std::string_view method,
                         const ResponseHead& head, std::size_t limit, const Deadline& deadline,
                         std::string& body) {
  return connection.read_body(
      method, head,
      [&](std::string_view piece) {
        if (piece.size() > limit - body.size()) {
          return false;
        }
        body.append(piece);
        return true;
      },
      deadline);
}

/// The Error of a non-2xx answer, with its body read within `limit` (what fits is quoted).
Error read_status_error(HttpConnection& connection, std::string_view method,
                        const ResponseHead& head, std::size_t limit, const Deadline& deadline,
                        const HostAddress& address) {
  std::string body;
  (void)connection.read_body(
      method, head,
      [&](std::string_view piece) {
        body.append(piece.substr(0, limit - body.size()));
        return body.size() < limit;
      },
      deadline);
  return status_error(head.status, body, address);
}

/// How long a 429 asks to wait (its Retry-After in seconds, 1 to 5; 1 when absent or odd).
std::chrono::seconds retry_after(const ResponseHead& head) {
  const auto it = head.headers.find("retry-after");
  int seconds = 1;
  if (it != head.headers.end()) {
    const std::string& text = it->second;
    (void)std::from_chars(text.data(), text.data() + text.size(), seconds);
  }
  return std::chrono::seconds(std::clamp(seconds, 1, 5));
}

/// One exchange of request() and upload(). `retry` is set, and the error returned, when aicd
/// answered 429 (it refused the request before running it: this client has too many in
/// progress) with its Retry-After.
Result<Response> exchange_once(std::optional<HttpConnection>& connection, const Outgoing& out,
                               const HostAddress& address, const std::string& token,
                               const RestLimits& limits, const Deadline& deadline,
                               std::chrono::milliseconds timeout,
                               std::optional<std::chrono::seconds>& retry) {
  const std::string head_bytes = request_head(out, address, token);
  ResponseHead head;
  Result<IoStatus> sent =
      send_request(connection, out, head_bytes, address, limits, deadline, head);
  if (!sent) {
    return std::move(sent).error();
  }
  if (!sent->ok()) {
    connection.reset();
    return transfer_error(*sent, address, out.method, out.target, timeout);
  }
  std::string body;
  const IoStatus read =
      read_whole_body(*connection, out.method, head, limits.max_body, deadline, body);
  const bool keep = read.ok() && connection->reusable();
  if (!keep) {
    connection.reset();
  }
  if (read.kind == Io::Stopped) {
    return Error(ErrorCode::Internal, "the answer of aicd at " + address.display() + " to " +
                                          std::string(out.method) + " " + out.target + " exceeds " +
                                          describe_size(limits.max_body));
  }
  if (!read.ok()) {
    return transfer_error(read, address, out.method, out.target, timeout);
  }
  if (!is_success(head.status)) {
    if (head.status == 429) {
      retry = retry_after(head);
    }
    return status_error(head.status, body, address);
  }
  Response response;
  response.status = head.status;
  response.body = std::move(body);
  return response;
}

/// request() and upload(): `out` on `connection` (kept for the next call when aicd allows),
/// the whole answer within `timeout` (0: none) and max_body. A 429 is sent again after its
/// Retry-After, at most kTooManyRetries times and never past the deadline.
Result<Response> exchange(std::optional<HttpConnection>& connection, const Outgoing& out,
                          const HostAddress& address, const std::string& token,
                          const RestLimits& limits, std::chrono::milliseconds timeout) {
  constexpr int kTooManyRetries = 3;
  const Deadline deadline = Deadline::after(timeout);
  for (int attempt = 0;; ++attempt) {
    std::optional<std::chrono::seconds> retry;
    Result<Response> answer =
        exchange_once(connection, out, address, token, limits, deadline, timeout, retry);
    if (answer || !retry || attempt >= kTooManyRetries ||
        SteadyClock::now() + *retry >= deadline.at) {
      return answer;
    }
    std::this_thread::sleep_for(*retry);
  }
}

/// What stream() does with the body of a 2xx answer: splits it into lines within max_line.
struct LineSplitter {
  const std::function<bool(std::string_view)>* on_line = nullptr;
  std::size_t max_line = 0;
  std::string pending;
  bool line_too_long = false;

  // false when the callback asked to stop.
  bool deliver(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      return true;
    }
    return (*on_line)(line);
  }

  // false to stop: the callback asked to, or a line is too long.
  bool feed(std::string_view data) {
    for (;;) {
      const std::size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        break;
      }
      const std::string_view piece = data.substr(0, newline);
      if (pending.size() + piece.size() > max_line) {
        line_too_long = true;
        return false;
      }
      bool go_on = false;
      if (pending.empty()) {
        go_on = deliver(piece);
      } else {
        pending.append(piece);
        go_on = deliver(pending);
        pending.clear();
      }
      if (!go_on) {
        return false;
      }
      data.remove_prefix(newline + 1);
    }
    if (pending.size() + data.size() > max_line) {
      line_too_long = true;
      return false;
    }
    pending.append(data);
    return true;
  }
};

/// Opens a connection of its own for a streamed answer (stream(), download()) and reads the
/// head; nullopt when cancelled first.
Result<std::optional<HttpConnection>> open_stream(const Outgoing& out, const HostAddress& address,
                                                  const std::string& token,
                                                  const RestLimits& limits,
                                                  const Deadline& deadline, ResponseHead& head) {
  std::optional<HttpConnection> connection;
  Result<IoStatus> sent = send_request(connection, out, request_head(out, address, token), address,
                                       limits, deadline, head);
  if (!sent) {
    return std::move(sent).error();
  }
  if (sent->kind == Io::Cancelled) {
    return std::optional<HttpConnection>();
  }
  if (!sent->ok()) {
    return transfer_error(*sent, address, out.method, out.target, {});
  }
  return connection;
}

} // namespace

nlohmann::json Response::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

/// request()'s kept-alive connection, when there is one.
struct RestClient::Handle {
  std::optional<HttpConnection> connection;
};

RestClient::RestClient(HostAddress address, std::string token, RestLimits limits)
    : address_(std::move(address)), token_(std::move(token)), limits_(limits) {}

RestClient::~RestClient() = default;

Result<Response> RestClient::request(std::string_view method, std::string_view path,
                                     const std::optional<nlohmann::json>& body,
                                     std::chrono::milliseconds timeout) {
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  const std::string target = normalised_path(path);
  if (!valid_request_line(method, target)) {
    return Error(ErrorCode::InvalidSpec,
                 "invalid request \"" + std::string(method) + " " + target + "\" for aicd");
  }
  Result<std::string> body_text = body_text_of(body);
  if (!body_text) {
    return std::move(body_text).error();
  }
  Outgoing out{method,
               target,
               "application/json",
               body ? "application/json" : "",
               body || method == "POST" || method == "PUT" || method == "PATCH",
               *body_text};
  std::lock_guard lock(request_mutex_);
  if (!request_handle_) {
    request_handle_ = std::make_unique<Handle>();
  }
  return exchange(request_handle_->connection, out, address_, token_, limits_, timeout);
}

Result<Response> RestClient::upload(std::string_view method, std::string_view path,
                                    std::string_view content_type, std::string_view body,
                                    std::chrono::milliseconds timeout) {
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  const std::string target = normalised_path(path);
  if (!valid_request_line(method, target) || has_control_characters(content_type)) {
    return Error(ErrorCode::InvalidSpec,
                 "invalid request \"" + std::string(method) + " " + target + "\" for aicd");
  }
  Outgoing out{method, target, "application/json", content_type, true, body};
  std::optional<HttpConnection> connection; // its own, as a stream's
  return exchange(connection, out, address_, token_, limits_, timeout);
}

Result<void> RestClient::stream(std::string_view method, std::string_view path,
                                const std::optional<nlohmann::json>& body,
                                const std::function<bool(std::string_view line)>& on_line,
                                const std::atomic<bool>* cancel) {
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  const std::string target = normalised_path(path);
  if (!valid_request_line(method, target)) {
    return Error(ErrorCode::InvalidSpec,
                 "invalid request \"" + std::string(method) + " " + target + "\" for aicd");
  }
  Result<std::string> body_text = body_text_of(body);
  if (!body_text) {
    return std::move(body_text).error();
  }
  Outgoing out{method,
               target,
               "application/x-ndjson, application/json",
               body ? "application/json" : "",
               body || method == "POST" || method == "PUT" || method == "PATCH",
               *body_text};
  const Deadline deadline{SteadyClock::time_point::max(), cancel};
  ResponseHead head;
  Result<std::optional<HttpConnection>> connection =
      open_stream(out, address_, token_, limits_, deadline, head);
  if (!connection) {
    return std::move(connection).error();
  }
  if (!connection->has_value()) {
    return {}; // cancelled
  }
  HttpConnection& http = **connection;
  if (!is_success(head.status)) {
    return read_status_error(http, method, head, limits_.max_line, deadline, address_);
  }
  LineSplitter lines{&on_line, limits_.max_line, {}, false};
  const IoStatus read = http.read_body(
      method, head, [&](std::string_view piece) { return lines.feed(piece); }, deadline);
  if (lines.line_too_long) {
    return Error(ErrorCode::Internal, "aicd at " + address_.display() + " sent a line over " +
                                          describe_size(limits_.max_line) + " in answer to " +
                                          std::string(method) + " " + target);
  }
  if (read.kind == Io::Stopped || read.kind == Io::Cancelled) {
    return {};
  }
  if (!read.ok()) {
    return transfer_error(read, address_, method, target, {});
  }
  if (!lines.pending.empty()) {
    (void)lines.deliver(lines.pending);
  }
  return {};
}

Result<void> RestClient::download(
    std::string_view path,
    const std::function<bool(const std::map<std::string, std::string>&)>& on_headers,
    const std::function<bool(std::string_view bytes)>& on_data, const std::atomic<bool>* cancel) {
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  const std::string target = normalised_path(path);
  if (!valid_request_line("GET", target)) {
    return Error(ErrorCode::InvalidSpec, "invalid request \"GET " + target + "\" for aicd");
  }
  Outgoing out{"GET", target, "application/x-tar, application/json", "", false, {}};
  const Deadline deadline{SteadyClock::time_point::max(), cancel};
  ResponseHead head;
  Result<std::optional<HttpConnection>> connection =
      open_stream(out, address_, token_, limits_, deadline, head);
  if (!connection) {
    return std::move(connection).error();
  }
  if (!connection->has_value()) {
    return {}; // cancelled
  }
  HttpConnection& http = **connection;
  if (!is_success(head.status)) {
    return read_status_error(http, "GET", head, limits_.max_line, deadline, address_);
  }
  if (!on_headers(head.headers)) {
    return {};
  }
  const IoStatus read = http.read_body("GET", head, on_data, deadline);
  if (read.ok() || read.kind == Io::Stopped || read.kind == Io::Cancelled) {
    return {};
  }
  return transfer_error(read, address_, "GET", target, {});
}

} // namespace aic::cli
