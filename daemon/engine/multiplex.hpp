#pragma once

// Docker's multiplexed stream (logs, attach and exec of a container without a TTY): frames of
// an 8-byte header [stream type, 0, 0, 0, payload size as uint32 big-endian] and the payload.

#include "core/result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

/// The stream a frame belongs to; the values are the header's type byte.
enum class StreamKind : std::uint8_t { Stdin = 0, Stdout = 1, Stderr = 2, System = 3 };

/// Some bytes of one frame's payload. A frame may arrive as several chunks, never merged with
/// its neighbours, so a chunk boundary is not a line or frame boundary.
struct OutputChunk {
  StreamKind stream = StreamKind::Stdout;
  std::string data;

  bool operator==(const OutputChunk&) const = default;
};

/// Splits the multiplexed stream incrementally. Memory is bounded by the 8 header bytes: each
/// call emits what it got of a payload at once, so a 1 GiB frame streams through. Not
/// thread-safe; one demuxer per stream.
class FrameDemuxer {
public:
  /// Appends a chunk to `out` for every non-empty piece of payload in `bytes`. An unknown stream
  /// type or non-zero padding is EngineUnavailable ("malformed multiplexed stream: ..."); chunks
  /// before the bad header are still appended, and every later call fails the same way.
  Result<void> feed(std::string_view bytes, std::vector<OutputChunk>& out);

  /// True when the stream stopped inside a header or a payload: at end of stream, truncation.
  bool mid_frame() const { return header_size_ > 0 || remaining_ > 0; }

private:
  std::array<unsigned char, 8> header_{};
  std::size_t header_size_ = 0;
  std::uint32_t remaining_ = 0; // payload bytes of the current frame still to come
  StreamKind stream_ = StreamKind::Stdout;
  std::optional<Error> failure_;
};

/// One frame: header and payload. The payload must be shorter than 4 GiB.
std::string encode_frame(StreamKind stream, std::string_view payload);

} // namespace aic::engine
