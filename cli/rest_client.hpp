#pragma once

// The aic command's client for aicd's REST API (blocking HTTP/1.1 over a unix or TCP socket, see
// http_connection.hpp): where aicd listens (--host, AIC_HOST, the default socket), plain requests
// with JSON bodies, and NDJSON streams. Every failure, from an unreachable daemon to an error
// envelope, comes back as an aic::Error.

#include "cli/host_address.hpp"
#include "core/result.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace aic::cli {

/// A 2xx answer of aicd.
struct Response {
  int status = 0;
  std::string body;

  /// The body as JSON; a discarded value (`is_discarded()`) when it is not JSON. Never throws.
  nlohmann::json json() const;
};

/// Bounds of a RestClient; the defaults suit the aic command.
struct RestLimits {
  std::size_t max_body = std::size_t{64} << 20;      ///< request(): whole response body
  std::size_t max_line = std::size_t{1} << 20;       ///< stream(): one line, and an error body
  std::chrono::milliseconds connect_timeout{10'000}; ///< both: connecting to aicd
};

/// Talks to aicd at one address. request() calls are serialised on one kept-alive connection;
/// each stream() opens a connection of its own, so one thread may follow a stream while others
/// send requests.
///
/// Errors: aicd unreachable (no socket, refused, permission denied, connect timeout) is
/// EngineUnavailable with hints on how to start aicd or point aic elsewhere; a request past its
/// timeout is Timeout; a non-2xx answer is the Error of its envelope (its code mirrors the HTTP
/// status; an answer without an envelope gets the code of its status and quotes the body).
class RestClient {
public:
  explicit RestClient(HostAddress address, std::string token = {}, RestLimits limits = {});
  ~RestClient();
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  const HostAddress& address() const { return address_; }

  /// Sends `method path` (path from the root, e.g. "/v1/projects?all=1", already encoded) with
  /// an optional JSON body and waits at most `timeout` for the whole answer (0: no limit).
  Result<Response> request(std::string_view method, std::string_view path,
                           const std::optional<nlohmann::json>& body = {},
                           std::chrono::milliseconds timeout = std::chrono::seconds(30));

  /// Follows an NDJSON (chunked) answer: calls `on_line` with each non-empty line, without its
  /// "\n" or "\r\n", as soon as it is complete; a last line without "\n" is delivered at the
  /// end. Stops cleanly, with success, when `on_line` returns false or `*cancel` becomes true
  /// (noticed within ~100 ms even while aicd is silent). A line over max_line is an error. No
  /// overall timeout; only connecting has one. A non-2xx answer is decoded as in request().
  Result<void> stream(std::string_view method, std::string_view path,
                      const std::optional<nlohmann::json>& body,
                      const std::function<bool(std::string_view line)>& on_line,
                      const std::atomic<bool>* cancel = nullptr);

  /// Follows a binary answer (a tar) of `GET path`: `on_headers` once with the headers of a 2xx
  /// answer (lower-cased names), before any of the body; then `on_data` with each piece of the
  /// body as it arrives. Returning false from either stops the transfer, and the call returns
  /// success (the callback keeps its reason). Cancelled like stream(); no overall timeout. A
  /// non-2xx answer is decoded as in request(); an answer cut before its end is an error.
  Result<void>
  download(std::string_view path,
           const std::function<bool(const std::map<std::string, std::string>&)>& on_headers,
           const std::function<bool(std::string_view bytes)>& on_data,
           const std::atomic<bool>* cancel = nullptr);

  /// Sends `body` as it is, with `content_type` (a tar), and waits at most `timeout` for the
  /// JSON answer (0: no limit). Errors as request().
  Result<Response> upload(std::string_view method, std::string_view path,
                          std::string_view content_type, std::string_view body,
                          std::chrono::milliseconds timeout);

private:
  struct Handle;

  HostAddress address_;
  std::string token_;
  RestLimits limits_;
  std::mutex request_mutex_;
  std::unique_ptr<Handle> request_handle_; // guarded by request_mutex_; kept for keep-alive
};

} // namespace aic::cli
