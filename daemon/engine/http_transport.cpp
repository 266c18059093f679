#include "engine/http_transport.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/basic_stream.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/optional/optional.hpp>
#include <cctype>
#include <cerrno>
#include <exception>
#include <optional>
#include <sys/socket.h>
#include <variant>

namespace aic::engine {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;

using Protocol = asio::generic::stream_protocol;
using Stream = beast::basic_stream<Protocol, asio::any_io_executor>;
using Socket = Stream::socket_type;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBufferBytes = 64 * 1024;
/// How long to wait for the answer of an engine that stopped reading a streamed request body.
constexpr std::chrono::seconds kRejectionGrace{5};

struct HttpTransport::Connection {
  explicit Connection(const asio::any_io_executor& executor) : stream(executor) {
    // Beast reads max(512, free capacity) bytes at a time; reserve so one read takes a body.
    buffer.reserve(kReadBufferBytes);
  }
  Stream stream;
  beast::flat_buffer buffer; // bytes read past the previous response stay here
};

struct HttpStream::Impl {
  explicit Impl(const asio::any_io_executor& executor) : stream(executor) {}
  Stream stream; // only for the head; the body is read from `socket`
  std::optional<Socket> socket;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  bool raw = false;
  bool ended = false;
  std::string what;  // "GET /v1.41/events"
  std::string where; // the engine's address
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

bool is_closed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message ||
         ec == asio::error::eof;
}

Error to_error(const HttpRequest& request, const std::string& where, const error_code& ec) {
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
  const std::string reach = "cannot reach the Docker engine at " + where + ": ";
  if (is_closed(ec)) {
    return Error(ErrorCode::EngineUnavailable,
                 reach + "connection closed before a complete response");
  }
  if (is_http_category(ec)) {
    return Error(ErrorCode::EngineUnavailable, reach + "malformed response: " + ec.message());
  }
  if (ec == asio::error::not_found || ec == boost::system::errc::no_such_file_or_directory ||
      ec == asio::error::connection_refused) {
    return Error(ErrorCode::EngineUnavailable, reach + ec.message() + " (is dockerd running?)");
  }
  return Error(ErrorCode::EngineUnavailable, reach + ec.message());
}

/// An error while a stream's body (or raw bytes) is being read or written.
Error stream_error(const std::string& what, const std::string& where, const error_code& ec) {
  if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
    return Error(ErrorCode::Internal, what + ": stream cancelled");
  }
  const std::string reach = what + ": engine at " + where + ": ";
  if (is_closed(ec) || ec == asio::error::connection_reset) {
    return Error(ErrorCode::EngineUnavailable, reach + "connection closed mid-stream");
  }
  if (is_http_category(ec)) {
    return Error(ErrorCode::EngineUnavailable, reach + "malformed response: " + ec.message());
  }
  if (ec == asio::error::not_found || ec == boost::system::errc::no_such_file_or_directory ||
      ec == asio::error::connection_refused) {
    return Error(ErrorCode::EngineUnavailable, reach + ec.message() + " (is dockerd running?)");
  }
  return Error(ErrorCode::EngineUnavailable, reach + ec.message());
}

bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

template <typename Body>
Result<http::request<Body>> build_message(const HttpRequest& request, bool upgrade) {
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    return Error(ErrorCode::Internal, "unsupported HTTP method '" + request.method + "'");
  }
  if (request.target.empty() || has_line_break(request.target)) {
    return Error(ErrorCode::Internal, "invalid request target '" + request.target + "'");
  }
  http::request<Body> message{verb, request.target, 11};
  message.set(http::field::host, "docker");
  message.set(http::field::user_agent, "aic/0.1");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || has_line_break(name) || has_line_break(value)) {
      return Error(ErrorCode::Internal, "invalid request header '" + name + "'");
    }
    message.set(name, value);
  }
  const bool has_body = request.body_source || !request.body.empty();
  if (has_body && message.find(http::field::content_type) == message.end()) {
    message.set(http::field::content_type, "application/json");
  }
  message.keep_alive(true);
  if (upgrade) {
    message.set(http::field::connection, "Upgrade");
    message.set(http::field::upgrade, "tcp");
  }
  return message;
}

HttpHeaders to_headers(const http::fields& fields) {
  HttpHeaders headers;
  for (const auto& field : fields) {
    std::string name(field.name_string());
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    auto [it, inserted] = headers.try_emplace(std::move(name), field.value());
    if (!inserted) {
      it->second.append(", ").append(field.value());
    }
  }
  return headers;
}

/// Runs `op`, giving up after `timeout` (zero: never). nullopt when the time ran out; the
/// operation is then cancelled.
template <typename T>
asio::awaitable<std::optional<T>> with_timeout(asio::awaitable<T> op,
                                               std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    co_return co_await std::move(op);
  }
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto result = co_await (std::move(op) || timer.async_wait(kNoThrow));
  if (result.index() == 0) {
    co_return std::get<0>(std::move(result));
  }
  co_return std::nullopt;
}

asio::awaitable<error_code> connect(Stream& stream, const EngineAddress& address,
                                    Clock::time_point deadline) {
  stream.expires_at(deadline);
  if (address.kind == EngineAddress::Kind::Unix) {
    auto [ec] = co_await stream.async_connect(
        Protocol::endpoint(asio::local::stream_protocol::endpoint(address.path)), kNoThrow);
    co_return ec;
  }
  std::vector<Protocol::endpoint> endpoints;
  error_code parse_ec;
  const auto ip = asio::ip::make_address(address.host, parse_ec);
  if (!parse_ec) {
    endpoints.emplace_back(asio::ip::tcp::endpoint(ip, address.port));
  } else {
    asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto resolved = co_await with_timeout(
        resolver.async_resolve(address.host, std::to_string(address.port), kNoThrow),
        std::max(left, std::chrono::milliseconds(1)));
    if (!resolved) {
      co_return beast::error::timeout;
    }
    auto [ec, results] = std::move(*resolved);
    if (ec) {
      co_return ec;
    }
    for (const auto& entry : results) {
      endpoints.emplace_back(entry.endpoint());
    }
  }
  error_code last = asio::error::host_not_found;
  for (const auto& endpoint : endpoints) {
    stream.close();
    stream.expires_at(deadline);
    auto [ec] = co_await stream.async_connect(endpoint, kNoThrow);
    if (!ec) {
      error_code ignored;
      stream.socket().set_option(asio::ip::tcp::no_delay(true), ignored);
      co_return ec;
    }
    last = ec;
    if (ec == beast::error::timeout) {
      break;
    }
  }
  co_return last;
}

/// Writes the request head and body. With a body_source the body goes out in chunks.
asio::awaitable<Result<void>> write_request(Stream& stream, const HttpRequest& request,
                                            bool upgrade, Clock::time_point deadline,
                                            const std::string& where) {
  if (!request.body_source) {
    auto message = build_message<http::string_body>(request, upgrade);
    if (!message) {
      co_return std::move(message).error();
    }
    message->body() = request.body;
    message->prepare_payload();
    stream.expires_at(deadline);
    auto [ec, n] = co_await http::async_write(stream, *message, kNoThrow);
    (void)n;
    if (ec) {
      co_return to_error(request, where, ec);
    }
    co_return Result<void>{};
  }

  auto message = build_message<http::empty_body>(request, upgrade);
  if (!message) {
    co_return std::move(message).error();
  }
  message->chunked(true);
  http::request_serializer<http::empty_body> serializer(*message);
  stream.expires_at(deadline);
  auto [head_ec, head_n] = co_await http::async_write_header(stream, serializer, kNoThrow);
  (void)head_n;
  if (head_ec) {
    co_return to_error(request, where, head_ec);
  }
  for (;;) {
    auto chunk = co_await request.body_source();
    if (!chunk) {
      co_return std::move(chunk).error().with_context("sending the body of " + describe(request));
    }
    stream.expires_after(request.deadline);
    if (!chunk->has_value()) {
      auto [ec, n] = co_await asio::async_write(stream, http::make_chunk_last(), kNoThrow);
      (void)n;
      if (ec) {
        co_return to_error(request, where, ec);
      }
      co_return Result<void>{};
    }
    if ((*chunk)->empty()) {
      continue;
    }
    auto [ec, n] =
        co_await asio::async_write(stream, http::make_chunk(asio::buffer(**chunk)), kNoThrow);
    (void)n;
    if (ec) {
      co_return to_error(request, where, ec);
    }
  }
}

/// What one write+read on one connection gave.
struct Exchange {
  std::optional<Error> error;
  bool nothing_read = false; // failed before any byte of the response arrived
  bool write_failed = false; // the request itself did not go out
  bool keep_alive = false;
  std::optional<HttpResponse> response;
};

asio::awaitable<Exchange> exchange(Stream& stream, beast::flat_buffer& buffer,
                                   const HttpRequest& request, Clock::time_point deadline,
                                   const std::string& where) {
  Exchange out;
  auto written = co_await write_request(stream, request, false, deadline, where);
  if (!written) {
    out.error = std::move(written).error();
    out.nothing_read = true;
    out.write_failed = true;
    co_return out;
  }

  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(request.max_body_bytes);
  if (request.method == "HEAD") {
    parser.skip(true);
  }
  stream.expires_at(deadline);
  auto [read_ec, read] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  (void)read;
  if (read_ec) {
    out.error = to_error(request, where, read_ec);
    out.nothing_read = !parser.got_some() && buffer.size() == 0 &&
                       read_ec != beast::error::timeout &&
                       read_ec != asio::error::operation_aborted;
    co_return out;
  }
  stream.expires_never();
  out.keep_alive = parser.keep_alive();
  auto message = parser.release();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  response.headers = to_headers(message.base());
  response.body = std::move(message.body());
  out.response = std::move(response);
  co_return out;
}

/// True when an idle keep-alive connection was closed by the engine (or has stray bytes): a
/// non-blocking peek sees end of stream. Catches what the retry rule cannot, a POST that would
/// go out on a TCP connection the engine already closed and then see only EOF.
bool closed_by_peer(Stream& stream, const beast::flat_buffer& buffer) {
  if (buffer.size() > 0) {
    return true;
  }
  char byte = 0;
  const ssize_t n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void close_socket(HttpStream::Impl& s) {
  if (s.socket) {
    error_code ignored;
    s.socket->shutdown(Socket::shutdown_both, ignored);
    s.socket->close(ignored);
  }
}

} // namespace

// ---- HttpStream -------------------------------------------------------------------------------

HttpStream::HttpStream(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpStream::~HttpStream() {
  close();
}

void HttpStream::close() {
  if (impl_) {
    close_socket(*impl_);
  }
}

asio::awaitable<Result<std::optional<std::string>>>
HttpStream::read(std::chrono::milliseconds idle_timeout) {
  const std::shared_ptr<Impl> self = impl_; // keeps the state alive if the stream is destroyed
  Impl& s = *self;
  if (s.ended) {
    co_return std::optional<std::string>{};
  }
  std::string out;
  for (;;) {
    if (s.raw && s.buffer.size() > 0) {
      const std::size_t n = std::min(s.buffer.size(), kReadChunk);
      out.assign(static_cast<const char*>(s.buffer.data().data()), n);
      s.buffer.consume(n);
      co_return std::optional<std::string>(std::move(out));
    }
    if (!s.raw) {
      // Decode everything already buffered (up to kReadChunk of body) before touching the
      // socket again: an engine that writes one small chunk per log line would otherwise cost
      // one call per line.
      while (s.buffer.size() > 0 && !s.parser.is_done() && out.size() < kReadChunk) {
        const std::size_t before = out.size();
        const std::size_t room = std::min(kReadChunk - before, s.buffer.size());
        out.resize(before + room);
        auto& body = s.parser.get().body();
        body.data = out.data() + before;
        body.size = room;
        error_code ec;
        const std::size_t used = s.parser.put(s.buffer.data(), ec);
        s.buffer.consume(used);
        out.resize(before + room - body.size);
        body.data = nullptr;
        body.size = 0;
        if (ec && ec != http::error::need_more && ec != http::error::need_buffer) {
          s.ended = true;
          co_return stream_error(s.what, s.where, ec);
        }
        if (ec == http::error::need_more || (used == 0 && out.size() == before)) {
          break; // the rest is an incomplete piece of framing
        }
      }
      if (!out.empty()) {
        co_return std::optional<std::string>(std::move(out));
      }
      if (s.parser.is_done()) {
        s.ended = true;
        co_return std::optional<std::string>{};
      }
    }

    // Need more bytes from the socket.
    auto space = s.buffer.prepare(kReadChunk);
    auto result = co_await with_timeout(s.socket->async_read_some(space, kNoThrow), idle_timeout);
    if (!result) {
      // Bytes may have arrived as the timer fired; the stream cannot be trusted after this.
      s.ended = true;
      close_socket(s);
      co_return Error(ErrorCode::Timeout, s.what + ": nothing from the engine for " +
                                              std::to_string(idle_timeout.count()) + " ms");
    }
    auto [ec, n] = *result;
    s.buffer.commit(n);
    if (ec == asio::error::eof) {
      if (s.raw) {
        s.ended = true;
        co_return std::optional<std::string>{};
      }
      error_code eof_ec;
      s.parser.put_eof(eof_ec);
      if (eof_ec) {
        s.ended = true;
        co_return stream_error(s.what, s.where, eof_ec);
      }
      continue; // a body delimited by the connection's end is now complete
    }
    if (ec) {
      s.ended = true;
      co_return stream_error(s.what, s.where, ec);
    }
  }
}

asio::awaitable<Result<std::string>> HttpStream::read_all(std::size_t max_bytes,
                                                          std::chrono::milliseconds idle_timeout) {
  const std::string what = impl_->what;
  std::string all;
  for (;;) {
    auto piece = co_await read(idle_timeout);
    if (!piece) {
      co_return std::move(piece).error();
    }
    if (!piece->has_value()) {
      co_return all;
    }
    if (all.size() + (*piece)->size() > max_bytes) {
      co_return Error(ErrorCode::Internal,
                      what + ": response body exceeds " + std::to_string(max_bytes) + " bytes");
    }
    all += **piece;
  }
}

asio::awaitable<Result<void>> HttpStream::write(std::string_view bytes,
                                                std::chrono::milliseconds timeout) {
  if (!upgraded_) {
    co_return Error(ErrorCode::Internal, impl_->what + ": write on a stream that was not upgraded");
  }
  const std::shared_ptr<Impl> self = impl_;
  Impl& s = *self;
  auto result =
      co_await with_timeout(asio::async_write(*s.socket, asio::buffer(bytes), kNoThrow), timeout);
  if (!result) {
    close_socket(s);
    co_return Error(ErrorCode::Timeout, s.what + ": the engine took no input for " +
                                            std::to_string(timeout.count()) + " ms");
  }
  auto [ec, n] = *result;
  (void)n;
  if (ec) {
    co_return stream_error(s.what, s.where, ec);
  }
  co_return Result<void>{};
}

Result<void> HttpStream::shutdown_write() {
  if (!upgraded_) {
    return Error(ErrorCode::Internal, impl_->what + ": half-close of a stream not upgraded");
  }
  error_code ec;
  impl_->socket->shutdown(Socket::shutdown_send, ec);
  if (ec) {
    return stream_error(impl_->what, impl_->where, ec);
  }
  return {};
}

// ---- HttpTransport ----------------------------------------------------------------------------

HttpTransport::HttpTransport(asio::any_io_executor executor, EngineAddress address)
    : executor_(std::move(executor)), address_(std::move(address)) {}

HttpTransport::~HttpTransport() = default;

std::size_t HttpTransport::idle_connections() const {
  return idle_.size();
}

asio::awaitable<Result<HttpResponse>> HttpTransport::request(HttpRequest request) {
  try {
    co_return co_await send(request);
  } catch (const std::exception& e) {
    co_return Error(ErrorCode::Internal, describe(request) + ": " + e.what());
  }
}

asio::awaitable<Result<HttpResponse>> HttpTransport::send(const HttpRequest& request) {
  const Clock::time_point deadline = Clock::now() + request.deadline;
  const std::string where = address_.describe();

  std::unique_ptr<Connection> connection;
  bool reused = false;
  while (!idle_.empty() && !connection) {
    connection = std::move(idle_.back());
    idle_.pop_back();
    if (closed_by_peer(connection->stream, connection->buffer)) {
      connection.reset();
    }
  }
  reused = connection != nullptr;

  for (;;) {
    if (!connection) {
      connection = std::make_unique<Connection>(executor_);
      const error_code ec = co_await connect(connection->stream, address_, deadline);
      if (ec) {
        co_return to_error(request, where, ec);
      }
    }

    Exchange out =
        co_await exchange(connection->stream, connection->buffer, request, deadline, where);
    if (!out.error) {
      if (out.keep_alive && idle_.size() < kMaxIdleConnections) {
        idle_.push_back(std::move(connection));
      }
      co_return std::move(*out.response);
    }
    // The engine may close an idle keep-alive connection at any time; that shows up as a failed
    // write or an empty read on reuse. A POST is retried only when it surely never went out,
    // since the engine may have acted on it before closing; a streamed body cannot be replayed.
    const bool idempotent = request.method != "POST";
    const bool replayable = !request.body_source;
    if (reused && replayable && out.nothing_read &&
        out.error->code() == ErrorCode::EngineUnavailable && (idempotent || out.write_failed)) {
      connection.reset();
      reused = false;
      continue;
    }
    co_return std::move(*out.error);
  }
}

asio::awaitable<Result<std::unique_ptr<HttpStream>>> HttpTransport::open_stream(HttpRequest request,
                                                                                bool upgrade) {
  try {
    co_return co_await open(request, upgrade);
  } catch (const std::exception& e) {
    co_return Error(ErrorCode::Internal, describe(request) + ": " + e.what());
  }
}

asio::awaitable<Result<std::unique_ptr<HttpStream>>> HttpTransport::open(const HttpRequest& request,
                                                                         bool upgrade) {
  const Clock::time_point deadline = Clock::now() + request.deadline;
  auto impl = std::make_shared<HttpStream::Impl>(executor_);
  impl->what = describe(request);
  impl->where = address_.describe();

  if (const error_code ec = co_await connect(impl->stream, address_, deadline)) {
    co_return to_error(request, impl->where, ec);
  }
  auto written = co_await write_request(impl->stream, request, upgrade, deadline, impl->where);
  std::optional<Error> write_failure;
  if (!written) {
    // An engine that refuses a streamed request early (a build with a bad tag) answers and
    // closes while the body is still going out: its answer beats "broken pipe".
    if (!request.body_source || written.error().code() != ErrorCode::EngineUnavailable) {
      co_return std::move(written).error();
    }
    write_failure = std::move(written).error();
  }
  impl->parser.header_limit(kMaxHeaderBytes);
  impl->parser.body_limit(boost::none);
  impl->parser.eager(true);
  if (write_failure) {
    impl->stream.expires_after(kRejectionGrace);
  } else if (request.body_source) {
    impl->stream.expires_after(request.deadline); // the upload may have taken longer than that
  } else {
    impl->stream.expires_at(deadline);
  }
  auto [ec, n] =
      co_await http::async_read_header(impl->stream, impl->buffer, impl->parser, kNoThrow);
  (void)n;
  if (ec) {
    if (write_failure) {
      co_return std::move(*write_failure);
    }
    co_return to_error(request, impl->where, ec);
  }
  impl->stream.expires_never();

  const auto& head = impl->parser.get();
  const int status = static_cast<int>(head.result_int());
  HttpHeaders headers = to_headers(head.base());
  // Engines before API 1.42 may answer an upgrade with 200 and a raw stream instead of 101.
  const auto type = headers.find("content-type");
  const bool raw_type = type != headers.end() &&
                        (type->second.find("vnd.docker.raw-stream") != std::string::npos ||
                         type->second.find("vnd.docker.multiplexed-stream") != std::string::npos);
  const bool upgraded = status == 101 || (upgrade && status == 200 && raw_type);
  impl->raw = upgraded;
  impl->socket.emplace(impl->stream.release_socket());

  auto stream = std::unique_ptr<HttpStream>(new HttpStream(std::move(impl)));
  stream->status_ = status;
  stream->headers_ = std::move(headers);
  stream->upgraded_ = upgraded;
  co_return stream;
}

} // namespace aic::engine
