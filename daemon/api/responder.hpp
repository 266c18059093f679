#pragma once

#include "api/stream.hpp"
#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic::api {

/// How a handler answers: either one complete response (respond*), or a chunked stream
/// (start_stream, then write_line/write any number of times, then finish). Every write has a
/// deadline; a write that fails or times out closes the connection and returns false, and every
/// later write returns false at once, so a handler stops when its client stops reading.
///
/// GCC 12 trap: do not put temporaries inside the co_await expression
/// (`co_await r.respond_json(200, nlohmann::json{...})`); build a named local first.
/// Not thread-safe: use from the connection's executor only.
class Responder {
public:
  enum class State : std::uint8_t {
    Idle,      // nothing sent yet
    Responded, // a complete response went out
    Streaming, // the head of a chunked response went out
    Finished,  // the stream's last chunk went out
    Failed,    // a write failed; the connection is closed
    Upgraded,  // 101 went out; the handler owns the raw connection until it returns
  };

  /// `keep_alive`: whether the response may leave the connection open (the request's wish).
  Responder(Stream& stream, bool keep_alive, std::chrono::seconds write_timeout);
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  /// Adds a header to the response (or stream head) not yet sent.
  void set_header(std::string name, std::string value);

  /// One complete response. False when it could not be written.
  boost::asio::awaitable<bool> respond(int status, std::string_view content_type,
                                       std::string_view body);
  /// One JSON response (`application/json`); invalid UTF-8 in strings is replaced.
  boost::asio::awaitable<bool> respond_json(int status, const nlohmann::json& body);
  /// The error envelope with the status of its code (proto::http_status).
  boost::asio::awaitable<bool> respond_error(const Error& error);
  /// The error envelope of `error` with another status (413 with invalid_spec).
  boost::asio::awaitable<bool> respond_error(int status, const Error& error);
  /// An envelope whose code is not an ErrorCode ("unauthorized").
  boost::asio::awaitable<bool> respond_error(int status, std::string_view code,
                                             std::string_view message);

  /// Sends the head of a chunked response ("application/x-ndjson", "text/event-stream").
  boost::asio::awaitable<bool> start_stream(int status, std::string_view content_type);
  /// Sends one line as one chunk, adding the '\n' when missing, flushed at once.
  boost::asio::awaitable<bool> write_line(std::string_view line);
  boost::asio::awaitable<bool> write_line(const std::string& line) {
    return write_line(std::string_view(line));
  }
  boost::asio::awaitable<bool> write_line(const char* line) {
    return write_line(std::string_view(line));
  }
  /// Sends the JSON document (one line, compact) as one chunk.
  boost::asio::awaitable<bool> write_line(const nlohmann::json& document);
  /// Sends bytes as they are as one chunk (Server-Sent Events frames). Empty bytes send nothing.
  boost::asio::awaitable<bool> write(std::string_view bytes);
  /// Ends the stream (the last chunk). The server does this itself when a streaming handler
  /// returns, and cuts the connection instead when it throws.
  boost::asio::awaitable<bool> finish();

  /// Answers `101 Switching Protocols` with `Connection: Upgrade`, `Upgrade: <protocol>` (and
  /// the headers set so far), as the Docker API does for attach and exec start. Returns the
  /// connection, now a raw two-way byte stream owned by the handler until it returns (the
  /// session then closes it; bytes the client sent early are in Request::leftover); nullptr when
  /// the head could not be written or the server is stopping. The stream's expiry is off: bound
  /// each operation yourself. Server stop closes the connection, failing pending operations.
  boost::asio::awaitable<Stream*> upgrade(std::string_view protocol = "tcp");

  /// True when the peer closed or reset the connection, a write failed, or the server is
  /// stopping. Cheap (one non-blocking peek); a client that only half-closed its sending side
  /// also counts as gone. A handler that waits long without writing should poll it.
  bool client_gone() const;

  State state() const { return state_; }
  /// The HTTP status of the response or stream head sent; 0 before one was.
  int status() const { return status_; }
  /// True once something (a response or a stream head) was sent.
  bool started() const { return state_ != State::Idle; }
  bool keep_alive() const { return keep_alive_; }
  /// False makes the connection close after this response.
  void set_keep_alive(bool keep_alive) { keep_alive_ = keep_alive; }

  /// Called by the server when it stops: a response not yet sent still goes out (and the
  /// connection then closes); a running stream or upgraded connection is cut, and a stream not
  /// yet started is refused, so their writes return false.
  void stop();

  /// Cuts a running stream without its last chunk, so the client sees an incomplete answer (a
  /// tar whose source failed midway must not look whole). Does nothing in other states.
  void abort();

private:
  boost::asio::awaitable<bool> send_chunk(std::string_view bytes, bool add_newline);
  void fail();

  Stream& stream_;
  bool keep_alive_;
  std::chrono::seconds write_timeout_;
  State state_ = State::Idle;
  int status_ = 0;
  bool stopping_ = false;
  std::vector<std::pair<std::string, std::string>> extra_headers_;
};

} // namespace aic::api
