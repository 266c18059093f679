#pragma once

// How the wire types read and write optional fields: an absent or null key keeps the default;
// a key of the wrong type throws nlohmann::json::type_error, which the API turns into a 400.

#include <nlohmann/json.hpp>
#include <optional>

namespace aic::proto {

template <typename T>
void read_field(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    it->get_to(out);
  }
}

template <typename T>
void read_field(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    out = it->get<T>();
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
