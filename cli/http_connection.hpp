#pragma once

// One blocking HTTP/1.1 client connection to aicd: sends a request's bytes and reads the answer,
// its head, then its body as it arrives (Content-Length, chunked, or until the connection
// closes), every step within a Deadline and every buffer within a bound.

#include "cli/http_socket.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace aic::cli {

/// A connected socket speaking HTTP/1.1, one request at a time. Move-only.
class HttpConnection {
public:
  /// The most bytes of an answer's head, or of one chunk-size or trailer line.
  static constexpr std::size_t kMaxHead = std::size_t{64} << 10;

  explicit HttpConnection(Socket socket) : socket_(std::move(socket)) {}

  /// Sends `bytes` (a request's head or body). The answer to the last request must have been
  /// read to its end first. After a failure the connection is not reusable().
  IoStatus send(std::string_view bytes, const Deadline& deadline);

  /// Reads the next answer's head, skipping interim 1xx answers (except 101). Malformed for a
  /// status line that is not HTTP or a head over kMaxHead.
  IoStatus read_head(ResponseHead& head, const Deadline& deadline);

  /// Reads the body of the answer `head` to a `method` request, handing each piece to
  /// `on_piece` as it arrives (false stops: Stopped). Closed when the connection ends before the
  /// Content-Length or the last chunk; Malformed for bad framing.
  IoStatus read_body(std::string_view method, const ResponseHead& head,
                     const std::function<bool(std::string_view piece)>& on_piece,
                     const Deadline& deadline);

  /// True once a byte of an answer arrived after the last send().
  bool answered() const { return answered_; }

  /// True when another request may follow: the last answer was read to its end and aicd keeps
  /// the connection open.
  bool reusable() const { return reusable_; }

  /// False when aicd closed this idle connection or sent bytes nobody asked for.
  bool still_open() const;

  /// Hands over the socket, and in `leftover` the bytes received past what was read (after a
  /// 101 answer's head: the start of the raw stream). The connection is closed afterwards.
  Socket take_socket(std::string& leftover);

private:
  IoStatus fill(const Deadline& deadline);
  IoStatus read_line(std::string& line, const Deadline& deadline);
  IoStatus read_exactly(std::size_t size, const std::function<bool(std::string_view)>& on_piece,
                        const Deadline& deadline);
  IoStatus read_chunked(const std::function<bool(std::string_view)>& on_piece,
                        const Deadline& deadline);

  Socket socket_;
  std::string buffer_; // received, not yet consumed
  bool answered_ = false;
  bool reusable_ = false;
  bool send_failed_ = false; // aicd may have seen part of a request: never reused
};

} // namespace aic::cli
