#include "engine/multiplex.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace aic::engine {

Result<void> FrameDemuxer::feed(std::string_view bytes, std::vector<OutputChunk>& out) {
  if (failure_) {
    return *failure_;
  }
  while (!bytes.empty()) {
    if (remaining_ > 0) {
      const std::size_t take = std::min<std::size_t>(remaining_, bytes.size());
      out.push_back(OutputChunk{stream_, std::string(bytes.substr(0, take))});
      bytes.remove_prefix(take);
      remaining_ -= static_cast<std::uint32_t>(take);
      continue;
    }
    const std::size_t take = std::min(header_.size() - header_size_, bytes.size());
    std::copy_n(bytes.begin(), take, header_.begin() + static_cast<std::ptrdiff_t>(header_size_));
    header_size_ += take;
    bytes.remove_prefix(take);
    if (header_size_ < header_.size()) {
      break;
    }
    header_size_ = 0;
    if (header_[0] > static_cast<unsigned char>(StreamKind::System)) {
      failure_ =
          Error(ErrorCode::EngineUnavailable,
                "malformed multiplexed stream: unknown stream type " + std::to_string(header_[0]));
      return *failure_;
    }
    if (header_[1] != 0 || header_[2] != 0 || header_[3] != 0) {
      failure_ = Error(ErrorCode::EngineUnavailable,
                       "malformed multiplexed stream: non-zero padding in a frame header");
      return *failure_;
    }
    stream_ = static_cast<StreamKind>(header_[0]);
    remaining_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) |
                 (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
  }
  return {};
}

std::string encode_frame(StreamKind stream, std::string_view payload) {
  assert(payload.size() <= std::numeric_limits<std::uint32_t>::max());
  const auto size = static_cast<std::uint32_t>(payload.size());
  std::string frame;
  frame.reserve(8 + payload.size());
  frame += static_cast<char>(stream);
  frame.append(3, '\0');
  frame += static_cast<char>((size >> 24) & 0xFF);
  frame += static_cast<char>((size >> 16) & 0xFF);
  frame += static_cast<char>((size >> 8) & 0xFF);
  frame += static_cast<char>(size & 0xFF);
  frame += payload;
  return frame;
}

} // namespace aic::engine
