#pragma once

// Small text helpers shared by the engine's parsers.

#include <string_view>

namespace aic::engine {

/// The C locale's isspace, without the locale.
inline bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/// `s` without leading and trailing is_space characters.
inline std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

} // namespace aic::engine
