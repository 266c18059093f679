#include "api/auth.hpp"

#include <cstddef>

namespace aic::api {

bool constant_time_equal(std::string_view given, std::string_view expected) {
  // Walks `expected` in full whatever `given` holds; volatile keeps the compiler from stopping
  // at the first difference.
  volatile unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = static_cast<unsigned char>(diff | (g ^ static_cast<unsigned char>(expected[i])));
  }
  return diff == 0;
}

bool bearer_token_matches(std::optional<std::string_view> authorization, std::string_view token) {
  if (!authorization || token.empty()) {
    return false;
  }
  std::string_view value = *authorization;
  constexpr std::string_view kScheme = "bearer";
  if (value.size() <= kScheme.size()) {
    return false;
  }
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    char c = value[i];
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
    if (c != kScheme[i]) {
      return false;
    }
  }
  value.remove_prefix(kScheme.size());
  if (value.front() != ' ') {
    return false;
  }
  while (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
    value.remove_suffix(1);
  }
  return constant_time_equal(value, token);
}

} // namespace aic::api
