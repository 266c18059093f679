#include "compose/model_json.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

namespace aic::compose {
namespace {

// Length of the well-formed UTF-8 sequence that starts at s[i] (Unicode table 3-7: no overlong
// forms, surrogates or code points past U+10FFFF), or 0 when none starts there.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
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

// Text from YAML, .env files or the OS environment is bytes, and nlohmann::json::dump() throws
// on invalid UTF-8; like Go's encoding/json (what `docker compose config` uses), each byte
// that does not start a well-formed sequence becomes U+FFFD.
std::string valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = utf8_sequence_length(s, i);
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
    if (std::size_t n = utf8_sequence_length(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

} // namespace

nlohmann::json to_json(const Node& node) {
  switch (node.kind) {
  case NodeKind::Mapping: {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& e : node.entries) {
      out[valid_utf8(e.key)] = to_json(e.value);
    }
    return out;
  }
  case NodeKind::Sequence: {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node.items) {
      out.push_back(to_json(item));
    }
    return out;
  }
  case NodeKind::Scalar:
    break;
  }
  switch (node.type) {
  case ScalarType::Null:
    return nullptr;
  case ScalarType::Bool:
    return node.text == "true" || node.text == "True" || node.text == "TRUE";
  case ScalarType::Int: {
    std::string_view t = node.text;
    int base = 10;
    if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o')) {
      base = t[1] == 'x' ? 16 : 8;
      t.remove_prefix(2);
    }
    errno = 0;
    std::string digits(t);
    char* end = nullptr;
    long long v = std::strtoll(digits.c_str(), &end, base);
    if (errno == ERANGE || end != digits.c_str() + digits.size()) {
      return valid_utf8(node.text);
    }
    return v;
  }
  case ScalarType::Float: {
    if (node.text.find("inf") != std::string::npos || node.text.find("Inf") != std::string::npos ||
        node.text.find("INF") != std::string::npos || node.text.find("nan") != std::string::npos ||
        node.text.find("NaN") != std::string::npos || node.text.find("NAN") != std::string::npos) {
      return node.text; // JSON has no infinities
    }
    return std::strtod(node.text.c_str(), nullptr);
  }
  case ScalarType::String:
    return valid_utf8(node.text);
  }
  return nullptr;
}

} // namespace aic::compose
