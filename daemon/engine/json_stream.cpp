#include "engine/json_stream.hpp"

#include <utility>

namespace aic::engine {
namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string describe_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7F) {
    return std::string("'") + c + "'";
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0x0F];
}

} // namespace

JsonObjectSplitter::JsonObjectSplitter(std::size_t max_object_bytes)
    : max_object_bytes_(max_object_bytes) {}

Result<void> JsonObjectSplitter::feed(std::string_view bytes, std::vector<std::string>& objects) {
  if (failure_) {
    return *failure_;
  }
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (depth_ == 0) {
      const char c = bytes[i];
      if (is_json_space(c)) {
        ++i;
        continue;
      }
      if (c != '{') {
        failure_ = Error(ErrorCode::EngineUnavailable, "malformed JSON stream: unexpected " +
                                                           describe_byte(c) + " between objects");
        return *failure_;
      }
      depth_ = 1;
      pending_.assign(1, '{');
      ++i;
    }
    // Scan to the end of the object or of the input, then copy the scanned run once.
    const std::size_t start = i;
    for (; i < bytes.size() && depth_ > 0; ++i) {
      const char c = bytes[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{') {
        ++depth_;
      } else if (c == '}') {
        --depth_;
      }
    }
    if (pending_.size() + (i - start) > max_object_bytes_) {
      failure_ =
          Error(ErrorCode::EngineUnavailable, "malformed JSON stream: an object is larger than " +
                                                  std::to_string(max_object_bytes_) + " bytes");
      pending_.clear();
      return *failure_;
    }
    pending_.append(bytes.substr(start, i - start));
    if (depth_ == 0) {
      objects.push_back(std::move(pending_));
      pending_.clear();
    }
  }
  return {};
}

Result<void> JsonObjectSplitter::finish() const {
  if (failure_) {
    return *failure_;
  }
  if (depth_ > 0) {
    return Error(ErrorCode::EngineUnavailable,
                 "malformed JSON stream: the stream ended inside an object (" +
                     std::to_string(pending_.size()) + " bytes pending)");
  }
  return {};
}

} // namespace aic::engine
