#include "cli/http_connection.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <limits>
#include <optional>
#include <poll.h>
#include <utility>

namespace aic::cli {
namespace {

/// The most bytes one read asks the socket for.
constexpr std::size_t kReadSize = std::size_t{64} << 10;

enum class Framing : std::uint8_t { None, Length, Chunked, UntilClose };

struct BodyShape {
  Framing framing = Framing::None;
  std::size_t length = 0; // Length only
};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// The last of the comma-separated tokens of a header value.
std::string_view last_token(std::string_view value) {
  const std::size_t comma = value.rfind(',');
  return trim_space(comma == std::string_view::npos ? value : value.substr(comma + 1));
}

bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (equals_ignoring_case(trim_space(value.substr(0, comma)), token)) {
      return true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view header(const ResponseHead& head, const std::string& name) {
  const auto found = head.headers.find(name);
  return found == head.headers.end() ? std::string_view() : std::string_view(found->second);
}

std::optional<std::size_t> parse_decimal(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9' || value > (std::numeric_limits<std::size_t>::max() - 9) / 10) {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

std::optional<std::size_t> parse_hex(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  std::size_t value = 0;
  for (const char c : text) {
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0 || value > std::numeric_limits<std::size_t>::max() >> 4) {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<std::size_t>(digit);
  }
  return value;
}

/// How the body of `head`, the answer to a `method` request, is delimited (RFC 9112 6.3).
std::optional<BodyShape> body_shape(std::string_view method, const ResponseHead& head) {
  if (method == "HEAD" || (head.status >= 100 && head.status < 200) || head.status == 204 ||
      head.status == 304) {
    return BodyShape{};
  }
  const std::string_view encoding = header(head, "transfer-encoding");
  if (!encoding.empty()) {
    if (equals_ignoring_case(last_token(encoding), "chunked")) {
      return BodyShape{Framing::Chunked, 0};
    }
    return BodyShape{Framing::UntilClose, 0};
  }
  const auto length = head.headers.find("content-length");
  if (length == head.headers.end()) {
    return BodyShape{Framing::UntilClose, 0};
  }
  const std::optional<std::size_t> size = parse_decimal(length->second);
  if (!size) {
    return std::nullopt;
  }
  return BodyShape{*size == 0 ? Framing::None : Framing::Length, *size};
}

bool keeps_alive(const ResponseHead& head) {
  const std::string_view connection = header(head, "connection");
  if (has_token(connection, "close")) {
    return false;
  }
  return head.minor_version >= 1 || has_token(connection, "keep-alive");
}

IoStatus malformed(std::string detail) {
  return {Io::Malformed, std::move(detail)};
}

} // namespace

IoStatus HttpConnection::send(std::string_view bytes, const Deadline& deadline) {
  answered_ = false;
  reusable_ = false;
  IoStatus sent = send_all(socket_.fd(), bytes, deadline);
  send_failed_ = send_failed_ || !sent.ok();
  return sent;
}

IoStatus HttpConnection::fill(const Deadline& deadline) {
  IoStatus got = receive_some(socket_.fd(), buffer_, kReadSize, deadline);
  if (got.ok()) {
    answered_ = true;
  }
  return got;
}

IoStatus HttpConnection::read_head(ResponseHead& head, const Deadline& deadline) {
  reusable_ = false;
  for (;;) {
    if (!buffer_.empty()) {
      Result<std::optional<ResponseHead>> parsed = parse_response_head(buffer_);
      if (!parsed) {
        return malformed(parsed.error().message());
      }
      if (parsed->has_value()) {
        head = std::move(**parsed);
        buffer_.erase(0, head.size);
        if (head.status >= 100 && head.status < 200 && head.status != 101) {
          continue; // an interim answer (100 Continue): the real one follows
        }
        return {};
      }
      if (buffer_.size() > kMaxHead) {
        return malformed("aicd sent an answer head over 64 KiB");
      }
    }
    if (IoStatus got = fill(deadline); !got.ok()) {
      return got;
    }
  }
}

IoStatus HttpConnection::read_line(std::string& line, const Deadline& deadline) {
  for (;;) {
    const std::size_t end = buffer_.find('\n');
    if (end != std::string::npos) {
      line.assign(buffer_, 0, end);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      buffer_.erase(0, end + 1);
      return {};
    }
    if (buffer_.size() > kMaxHead) {
      return malformed("aicd sent a chunk line over 64 KiB");
    }
    if (IoStatus got = fill(deadline); !got.ok()) {
      return got;
    }
  }
}

IoStatus HttpConnection::read_exactly(std::size_t size,
                                      const std::function<bool(std::string_view)>& on_piece,
                                      const Deadline& deadline) {
  while (size > 0) {
    if (buffer_.empty()) {
      if (IoStatus got = fill(deadline); !got.ok()) {
        return got;
      }
    }
    const std::size_t take = std::min(size, buffer_.size());
    const bool go_on = on_piece(std::string_view(buffer_).substr(0, take));
    buffer_.erase(0, take);
    size -= take;
    if (!go_on) {
      return {Io::Stopped, {}};
    }
  }
  return {};
}

IoStatus HttpConnection::read_chunked(const std::function<bool(std::string_view)>& on_piece,
                                      const Deadline& deadline) {
  std::string line;
  for (;;) {
    if (IoStatus got = read_line(line, deadline); !got.ok()) {
      return got;
    }
    std::string_view size_text = line;
    size_text = trim_space(size_text.substr(0, size_text.find(';'))); // no chunk extensions
    const std::optional<std::size_t> size = parse_hex(size_text);
    if (!size) {
      return malformed("aicd sent a malformed chunk size \"" + line.substr(0, 40) + "\"");
    }
    if (*size == 0) {
      break;
    }
    if (IoStatus got = read_exactly(*size, on_piece, deadline); !got.ok()) {
      return got;
    }
    if (IoStatus got = read_line(line, deadline); !got.ok()) {
      return got;
    }
    if (!line.empty()) {
      return malformed("aicd sent a chunk longer than its size");
    }
  }
  // The trailer section, ignored: header lines up to an empty one, within kMaxHead in all.
  std::size_t trailers = 0;
  for (;;) {
    if (IoStatus got = read_line(line, deadline); !got.ok()) {
      return got;
    }
    if (line.empty()) {
      return {};
    }
    trailers += line.size();
    if (trailers > kMaxHead) {
      return malformed("aicd sent trailers over 64 KiB");
    }
  }
}

IoStatus HttpConnection::read_body(std::string_view method, const ResponseHead& head,
                                   const std::function<bool(std::string_view piece)>& on_piece,
                                   const Deadline& deadline) {
  reusable_ = false;
  const std::optional<BodyShape> shape = body_shape(method, head);
  if (!shape) {
    return malformed("aicd sent an invalid Content-Length \"" +
                     std::string(header(head, "content-length").substr(0, 40)) + "\"");
  }
  IoStatus status;
  switch (shape->framing) {
  case Framing::None:
    break;
  case Framing::Length:
    status = read_exactly(shape->length, on_piece, deadline);
    break;
  case Framing::Chunked:
    status = read_chunked(on_piece, deadline);
    break;
  case Framing::UntilClose:
    for (;;) {
      if (!buffer_.empty()) {
        const bool go_on = on_piece(buffer_);
        buffer_.clear();
        if (!go_on) {
          return {Io::Stopped, {}};
        }
      }
      if (IoStatus got = fill(deadline); !got.ok()) {
        return got.kind == Io::Closed ? IoStatus{} : got; // the end of the body
      }
    }
  }
  reusable_ =
      status.ok() && !send_failed_ && head.status != 101 && buffer_.empty() && keeps_alive(head);
  return status;
}

Socket HttpConnection::take_socket(std::string& leftover) {
  leftover = std::move(buffer_);
  buffer_.clear();
  reusable_ = false;
  return std::move(socket_);
}

bool HttpConnection::still_open() const {
  if (!socket_.is_open() || !buffer_.empty()) {
    return false;
  }
  for (;;) {
    pollfd p{socket_.fd(), POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    return ready == 0; // readable while idle: closed, or bytes nobody asked for
  }
}

} // namespace aic::cli
