#pragma once

// How the wire types read and write optional fields: an absent or null key keeps the default;
// a key of the wrong type throws nlohmann::json::type_error, which the API turns into a 400.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace aic::proto {

/// `value` as the integer type T; nlohmann's own conversion would wrap 4294967297 to 1 and
/// truncate 1.5 to 1. type_error (302) for a fraction or a non-number, out_of_range (406) for a
/// whole number T cannot hold, both naming `key`.
template <typename T>
T whole_number(const nlohmann::json& value, const std::string& key) {
  if (!value.is_number_integer()) {
    throw nlohmann::json::type_error::create(
        302, key + " must be a whole number, not " + value.dump(), &value);
  }
  const bool fits = value.is_number_unsigned() ? std::in_range<T>(value.get<std::uint64_t>())
                                               : std::in_range<T>(value.get<std::int64_t>());
  if (!fits) {
    throw nlohmann::json::out_of_range::create(406, key + " is out of range: " + value.dump(),
                                               &value);
  }
  return value.get<T>();
}

template <typename T>
inline constexpr bool kIsWholeNumber = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    if constexpr (kIsWholeNumber<T>) {
      out = whole_number<T>(*it, key);
    } else {
      it->get_to(out);
    }
  }
}

template <typename T>
void read_field(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    if constexpr (kIsWholeNumber<T>) {
      out = whole_number<T>(*it, key);
    } else {
      out = it->get<T>();
    }
  }
}

/// A map of whole numbers ({"web": 2}), each checked as whole_number() does.
template <typename T>
requires kIsWholeNumber<T>
void read_field(const nlohmann::json& j, const char* key, std::map<std::string, T>& out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return;
  }
  if (!it->is_object()) {
    throw nlohmann::json::type_error::create(302, std::string(key) + " must be an object", &*it);
  }
  out.clear();
  for (const auto& [name, value] : it->items()) {
    out[name] = whole_number<T>(value, std::string(key) + "." + name);
  }
}

/// Writes `key` only when `v` has a value.
template <typename T>
void write_optional(nlohmann::json& j, const char* key, const std::optional<T>& v) {
  if (v) {
    j[key] = *v;
  }
}

} // namespace aic::proto
