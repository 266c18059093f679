#include "engine/query.hpp"

#include <nlohmann/json.hpp>

namespace aic::engine {
namespace {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

} // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (is_unreserved(c)) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    }
  }
  return out;
}

Query& Query::add(std::string_view key, std::string_view value) {
  pairs_.emplace_back(url_encode(key), url_encode(value));
  return *this;
}

Query& Query::add_bool(std::string_view key, bool value) {
  return add(key, value ? "1" : "0");
}

Query& Query::add_if(std::string_view key, std::string_view value) {
  if (!value.empty()) {
    add(key, value);
  }
  return *this;
}

Query& Query::add_filters(const std::map<std::string, std::vector<std::string>>& filters) {
  if (!filters.empty()) {
    add("filters", encode_filters(filters));
  }
  return *this;
}

std::string Query::str() const {
  std::string out;
  for (const auto& [key, value] : pairs_) {
    out += out.empty() ? '?' : '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

std::string encode_filters(const std::map<std::string, std::vector<std::string>>& filters) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [key, values] : filters) {
    json[key] = values;
  }
  // Replace invalid UTF-8 rather than throw: filters come from labels the user wrote.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

} // namespace aic::engine
