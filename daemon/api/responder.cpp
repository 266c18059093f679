#include "api/responder.hpp"

#include "api/error_envelope.hpp"
#include "proto/error_body.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cassert>
#include <cerrno>
#include <sys/socket.h>

namespace aic::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

} // namespace

Responder::Responder(Stream& stream, bool keep_alive, std::chrono::seconds write_timeout)
    : stream_(stream), keep_alive_(keep_alive), write_timeout_(write_timeout) {}

void Responder::set_header(std::string name, std::string value) {
  extra_headers_.emplace_back(std::move(name), std::move(value));
}

void Responder::fail() {
  state_ = State::Failed;
  keep_alive_ = false;
  beast::error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.close();
}

void Responder::stop() {
  stopping_ = true;
  keep_alive_ = false;
  if (state_ == State::Streaming) {
    fail();
  } else if (state_ == State::Upgraded) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }
}

void Responder::abort() {
  if (state_ == State::Streaming) {
    fail();
  }
}

asio::awaitable<bool> Responder::respond(int status, std::string_view content_type,
                                         std::string_view body) {
  assert(state_ == State::Idle && "one response per request");
  if (state_ != State::Idle) {
    co_return false;
  }
  http::response<http::string_body> message;
  message.version(11);
  message.result(static_cast<unsigned>(status));
  message.set(http::field::content_type, content_type);
  for (const auto& [name, value] : extra_headers_) {
    message.set(name, value);
  }
  message.keep_alive(keep_alive_);
  message.body() = std::string(body);
  message.prepare_payload();
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await http::async_write(stream_, message, kNoThrow);
  (void)n;
  if (ec) {
    fail();
    co_return false;
  }
  stream_.expires_never();
  state_ = State::Responded;
  status_ = status;
  co_return true;
}

asio::awaitable<bool> Responder::respond_json(int status, const nlohmann::json& body) {
  const std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  co_return co_await respond(status, "application/json", text);
}

asio::awaitable<bool> Responder::respond_error(const Error& error) {
  co_return co_await respond_error(proto::http_status(error.code()), error);
}

asio::awaitable<bool> Responder::respond_error(int status, const Error& error) {
  const nlohmann::json body = proto::error_body(error);
  co_return co_await respond_json(status, body);
}

asio::awaitable<bool> Responder::respond_error(int status, std::string_view code,
                                               std::string_view message) {
  const nlohmann::json body = error_envelope(code, message);
  co_return co_await respond_json(status, body);
}

asio::awaitable<bool> Responder::start_stream(int status, std::string_view content_type) {
  assert(state_ == State::Idle && "one response per request");
  if (state_ != State::Idle) {
    co_return false;
  }
  if (stopping_) {
    fail();
    co_return false;
  }
  http::response<http::empty_body> message;
  message.version(11);
  message.result(static_cast<unsigned>(status));
  message.set(http::field::content_type, content_type);
  message.set(http::field::cache_control, "no-cache");
  for (const auto& [name, value] : extra_headers_) {
    message.set(name, value);
  }
  message.keep_alive(keep_alive_);
  message.chunked(true);
  http::response_serializer<http::empty_body> serializer(message);
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await http::async_write_header(stream_, serializer, kNoThrow);
  (void)n;
  if (ec) {
    fail();
    co_return false;
  }
  stream_.expires_never();
  state_ = State::Streaming;
  status_ = status;
  co_return true;
}

asio::awaitable<Stream*> Responder::upgrade(std::string_view protocol) {
  assert(state_ == State::Idle && "one response per request");
  if (state_ != State::Idle) {
    co_return nullptr;
  }
  if (stopping_) {
    fail();
    co_return nullptr;
  }
  std::string head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ";
  head.append(protocol);
  head += "\r\n";
  for (const auto& [name, value] : extra_headers_) {
    head += name + ": " + value + "\r\n";
  }
  head += "\r\n";
  keep_alive_ = false;
  stream_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(head), kNoThrow);
  (void)n;
  if (ec) {
    fail();
    co_return nullptr;
  }
  stream_.expires_never();
  status_ = 101;
  if (stopping_) {
    // The server stopped while the 101 was being written: the connection ends here.
    fail();
    co_return nullptr;
  }
  state_ = State::Upgraded;
  co_return &stream_;
}

asio::awaitable<bool> Responder::send_chunk(std::string_view bytes, bool add_newline) {
  assert((state_ == State::Streaming || state_ == State::Failed) && "write before start_stream");
  if (state_ != State::Streaming) {
    co_return false;
  }
  const bool newline = add_newline && (bytes.empty() || bytes.back() != '\n');
  if (bytes.empty() && !newline) {
    co_return true; // an empty chunk would end the stream
  }
  const std::array<asio::const_buffer, 2> pieces{asio::buffer(bytes.data(), bytes.size()),
                                                 asio::buffer("\n", newline ? 1 : 0)};
  stream_.expires_after(write_timeout_);
  const auto chunk = http::make_chunk(pieces);
  auto [ec, n] = co_await asio::async_write(stream_, chunk, kNoThrow);
  (void)n;
  if (ec) {
    fail();
    co_return false;
  }
  stream_.expires_never();
  co_return true;
}

asio::awaitable<bool> Responder::write_line(std::string_view line) {
  return send_chunk(line, true);
}

asio::awaitable<bool> Responder::write_line(const nlohmann::json& document) {
  const std::string text = document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  co_return co_await send_chunk(text, true);
}

asio::awaitable<bool> Responder::write(std::string_view bytes) {
  return send_chunk(bytes, false);
}

asio::awaitable<bool> Responder::finish() {
  assert((state_ == State::Streaming || state_ == State::Failed) && "finish before start_stream");
  if (state_ != State::Streaming) {
    co_return false;
  }
  stream_.expires_after(write_timeout_);
  const auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream_, last, kNoThrow);
  (void)n;
  if (ec) {
    fail();
    co_return false;
  }
  stream_.expires_never();
  state_ = State::Finished;
  co_return true;
}

bool Responder::client_gone() const {
  if (state_ == State::Failed || stopping_ || !stream_.socket().is_open()) {
    return true;
  }
  char byte = 0;
  const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0) {
    return true;
  }
  if (n < 0) {
    return !(errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR);
  }
  return false; // bytes waiting (a pipelined request): the client is still there
}

} // namespace aic::api
