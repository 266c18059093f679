#include "engine/http_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <exception>
#include <optional>

namespace aic::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

using Stream = beast::basic_stream<asio::local::stream_protocol, asio::any_io_executor>;
using Clock = std::chrono::steady_clock;

struct UnixHttpTransport::Connection {
  explicit Connection(const asio::any_io_executor& executor) : stream(executor) {}
  Stream stream;
  beast::flat_buffer buffer; // bytes read past the previous response stay here
};

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;

std::string describe(const HttpRequest& request) {
  return request.method + " " + request.target;
}

bool is_http_category(const error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category();
}

Error to_error(const HttpRequest& request, const std::string& socket_path, const error_code& ec) {
  if (ec == beast::error::timeout) {
    return Error(ErrorCode::Timeout, describe(request) + ": no answer within " +
                                         std::to_string(request.deadline.count()) + " ms");
  }
  if (ec == http::error::body_limit) {
    return Error(ErrorCode::Internal,
                 "response body exceeds " + std::to_string(request.max_body_bytes) + " bytes");
  }
  if (ec == asio::error::operation_aborted) {
    return Error(ErrorCode::Internal, describe(request) + ": request cancelled");
  }
  const std::string reach = "cannot reach the engine at " + socket_path + ": ";
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::eof) {
    return Error(ErrorCode::EngineUnavailable,
                 reach + "connection closed before a complete response");
  }
  if (is_http_category(ec)) {
    return Error(ErrorCode::EngineUnavailable, reach + "malformed response: " + ec.message());
  }
  return Error(ErrorCode::EngineUnavailable, reach + ec.message());
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

Result<http::request<http::string_body>> build_message(const HttpRequest& request) {
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return Error(ErrorCode::Internal, "unsupported HTTP method '" + request.method + "'");
  }
  if (request.target.empty() || has_line_break(request.target)) {
    return Error(ErrorCode::Internal, "invalid request target '" + request.target + "'");
  }
  http::request<http::string_body> message{verb, request.target, 11};
  message.set(http::field::host, "docker");
  message.set(http::field::user_agent, "aic/0.1");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value)) {
      return Error(ErrorCode::Internal, "invalid request header '" + name + "'");
    }
    message.set(name, value);
  }
  if (!request.body.empty() && message.find(http::field::content_type) == message.end()) {
    message.set(http::field::content_type, "application/json");
  }
  message.body() = request.body;
  message.keep_alive(true);
  message.prepare_payload();
  return message;
}

HttpResponse to_response(http::response<http::string_body>&& message) {
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto [it, inserted] = response.headers.try_emplace(std::move(name), field.value());
    if (!inserted) {
      it->second.append(", ").append(field.value());
    }
  }
  response.body = std::move(message.body());
  return response;
}

/// What one write+read on one connection gave.
struct Exchange {
  error_code ec;
  bool nothing_read = false; // failed before any byte of the response arrived
  bool write_failed = false; // the request itself did not go out
  bool keep_alive = false;
  std::optional<HttpResponse> response;
};

asio::awaitable<Exchange> exchange(Stream& stream, beast::flat_buffer& buffer,
                                   http::request<http::string_body>& message,
                                   const HttpRequest& request, Clock::time_point deadline) {
  Exchange out;
  stream.expires_at(deadline);
  auto [write_ec, written] = co_await http::async_write(stream, message, kNoThrow);
  (void)written;
  if (write_ec) {
    out.ec = write_ec;
    out.nothing_read = true;
    out.write_failed = true;
    co_return out;
  }

  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(request.max_body_bytes);
  if (message.method() == http::verb::head) {
    parser.skip(true);
  }
  stream.expires_at(deadline);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  (void)read;
  if (read_ec) {
    out.ec = read_ec;
    out.nothing_read = !parser.got_some() && buffer.size() == 0;
    co_return out;
  }
  stream.expires_never();
  out.keep_alive = parser.keep_alive();
  out.response = to_response(parser.release());
  co_return out;
}

bool retryable(const error_code& ec) {
  return ec != beast::error::timeout && ec != asio::error::operation_aborted;
}

} // namespace

UnixHttpTransport::UnixHttpTransport(asio::any_io_executor executor, std::string socket_path)
    : executor_(std::move(executor)), socket_path_(std::move(socket_path)) {}

UnixHttpTransport::~UnixHttpTransport() = default;

std::size_t UnixHttpTransport::idle_connections() const {
  return idle_.size();
}

asio::awaitable<Result<HttpResponse>> UnixHttpTransport::request(HttpRequest request) {
  try {
    co_return co_await send(request);
  } catch (const std::exception& e) {
    co_return Error(ErrorCode::Internal, describe(request) + ": " + e.what());
  }
}

asio::awaitable<Result<HttpResponse>> UnixHttpTransport::send(const HttpRequest& request) {
  const Clock::time_point deadline = Clock::now() + request.deadline;
  auto message = build_message(request);
  if (!message) {
    co_return std::move(message).error();
  }

  std::unique_ptr<Connection> connection;
  bool reused = false;
  if (!idle_.empty()) {
    connection = std::move(idle_.back());
    idle_.pop_back();
    reused = true;
  }

  for (;;) {
    if (!connection) {
      connection = std::make_unique<Connection>(executor_);
      connection->stream.expires_at(deadline);
      auto [ec] = co_await connection->stream.async_connect(
          asio::local::stream_protocol::endpoint(socket_path_), kNoThrow);
      if (ec) {
        co_return to_error(request, socket_path_, ec);
      }
    }

    Exchange out =
        co_await exchange(connection->stream, connection->buffer, *message, request, deadline);
    if (!out.ec) {
      if (out.keep_alive && idle_.size() < kMaxIdleConnections) {
        idle_.push_back(std::move(connection));
      }
      co_return std::move(*out.response);
    }
    // The engine may close an idle keep-alive connection at any time; that shows up as a failed
    // write or an empty read on reuse. A POST is retried only when it surely never went out,
    // since the engine may have acted on it before closing.
    const bool idempotent = message->method() != http::verb::post;
    if (reused && out.nothing_read && retryable(out.ec) && (idempotent || out.write_failed)) {
      connection.reset();
      reused = false;
      continue;
    }
    co_return to_error(request, socket_path_, out.ec);
  }
}

} // namespace aic::engine
