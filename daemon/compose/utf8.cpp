#include "compose/utf8.hpp"

namespace aic::compose {
namespace {

// Length of the well-formed UTF-8 sequence that starts at s[i] (Unicode table 3-7: no overlong
// forms, surrogates or code points past U+10FFFF), or 0 when none starts there.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    return 1;
  }
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + n > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) {
    return 0;
  }
  for (std::size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return n;
}

} // namespace

std::size_t invalid_utf8_offset(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = sequence_length(s, i);
    if (n == 0) {
      return i;
    }
    i += n;
  }
  return std::string_view::npos;
}

// Text from YAML, .env files or the OS environment is bytes, and nlohmann::json::dump() throws
// on invalid UTF-8; like Go's encoding/json (what `docker compose config` uses), each byte
// that does not start a well-formed sequence becomes U+FFFD.
std::string to_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = sequence_length(s, i);
    if (n == 0) {
      break;
    }
    i += n;
  }
  if (i == s.size()) {
    return std::string(s);
  }
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    if (std::size_t n = sequence_length(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

} // namespace aic::compose
