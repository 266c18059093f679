#include "engine/base64.hpp"

#include <array>
#include <cstddef>

namespace aic::engine {
namespace {

constexpr std::string_view kStandard =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kUrl =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string_view alphabet_chars(Base64Alphabet alphabet) {
  return alphabet == Base64Alphabet::Url ? kUrl : kStandard;
}

// 0-63 for a character of the alphabet, -1 for anything else.
int decode_char(char c, Base64Alphabet alphabet) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  const std::string_view chars = alphabet_chars(alphabet);
  if (c == chars[62]) {
    return 62;
  }
  if (c == chars[63]) {
    return 63;
  }
  return -1;
}

} // namespace

std::string base64_encode(std::string_view bytes, Base64Alphabet alphabet) {
  const std::string_view chars = alphabet_chars(alphabet);
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out += chars[(n >> 18) & 63];
    out += chars[(n >> 12) & 63];
    out += chars[(n >> 6) & 63];
    out += chars[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) {
      n |= std::uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    }
    out += chars[(n >> 18) & 63];
    out += chars[(n >> 12) & 63];
    out += rest == 2 ? chars[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, Base64Alphabet alphabet) {
  std::string clean;
  clean.reserve(text.size());
  for (const char c : text) {
    if (c != '\r' && c != '\n') {
      clean += c;
    }
  }
  if (clean.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(clean.size() / 4 * 3);
  for (std::size_t i = 0; i < clean.size(); i += 4) {
    const bool last = i + 4 == clean.size();
    std::array<int, 4> v{};
    std::size_t padding = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = clean[i + k];
      if (c == '=') {
        // Padding only ends the last quantum, after at least two characters: "xx==" or "xxx=".
        if (!last || k < 2 || (k == 2 && clean[i + 3] != '=')) {
          return std::nullopt;
        }
        ++padding;
        v[k] = 0;
        continue;
      }
      if (padding > 0) {
        return std::nullopt;
      }
      v[k] = decode_char(c, alphabet);
      if (v[k] < 0) {
        return std::nullopt;
      }
    }
    const std::uint32_t n =
        (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
        (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    out += static_cast<char>((n >> 16) & 0xFF);
    if (padding < 2) {
      out += static_cast<char>((n >> 8) & 0xFF);
    }
    if (padding < 1) {
      out += static_cast<char>(n & 0xFF);
    }
  }
  return out;
}

} // namespace aic::engine
