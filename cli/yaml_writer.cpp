#include "cli/yaml_writer.hpp"

#include "compose/node.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

namespace aic::cli {
namespace {

constexpr std::string_view kReserved[] = {
    "true", "True", "TRUE", "false", "False", "FALSE", "yes",  "Yes",   "YES",  "no",   "No",
    "NO",   "on",   "On",   "ON",    "off",   "Off",   "OFF",  "y",     "Y",    "n",    "N",
    "null", "Null", "NULL", "~",     ".inf",  ".Inf",  ".INF", "-.inf", ".nan", ".NaN", "<<"};

bool looks_numeric(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != 'x' && c != 'o' && c != '-' &&
               c != '+' && c != ':' && !std::isxdigit(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return digit && std::isdigit(static_cast<unsigned char>(s[s[0] == '-' || s[0] == '+'])) != 0;
}

bool needs_quotes(std::string_view s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ' || s.back() == ':') {
    return true;
  }
  // Quote whatever a YAML 1.2 reader types as non-string, and the YAML 1.1 words and numbers
  // (yes, on, 1:30, 0b1) that older readers still type.
  if (compose::resolve_plain_scalar(s) != compose::ScalarType::String ||
      std::find(std::begin(kReserved), std::end(kReserved), s) != std::end(kReserved) ||
      looks_numeric(s)) {
    return true;
  }
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos) {
    return !(s.front() == '-' && s.size() > 1 && s[1] != ' ' && !looks_numeric(s));
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
    if ((c == ':' && i + 1 < s.size() && s[i + 1] == ' ') ||
        (c == '#' && i > 0 && s[i - 1] == ' ')) {
      return true;
    }
  }
  return false;
}

std::string scalar(const nlohmann::json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (!needs_quotes(s)) {
      return s;
    }
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_empty_container(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void write(const nlohmann::json& v, int indent, std::string& out);

void write_value_after_key(const nlohmann::json& v, int indent, std::string& out) {
  if (v.is_object() && !v.empty()) {
    out += '\n';
    write(v, indent + 2, out);
  } else if (v.is_array() && !v.empty()) {
    out += '\n';
    write(v, indent + 2, out);
  } else {
    out += ' ';
    out += is_empty_container(v) ? (v.is_object() ? "{}" : "[]") : scalar(v);
    out += '\n';
  }
}

void write(const nlohmann::json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out += pad + scalar(nlohmann::json(key)) + ':';
      write_value_after_key(value, indent, out);
    }
    return;
  }
  if (v.is_array()) {
    for (const auto& item : v) {
      out += pad + "- ";
      if (item.is_object() && !item.empty()) {
        std::string nested;
        write(item, indent + 2, nested);
        out += nested.substr(static_cast<std::size_t>(indent) + 2);
      } else if (item.is_array() && !item.empty()) {
        out += '\n';
        write(item, indent + 2, out);
      } else {
        out += is_empty_container(item) ? (item.is_object() ? "{}" : "[]") : scalar(item);
        out += '\n';
      }
    }
    return;
  }
  out += pad + (is_empty_container(v) ? (v.is_object() ? "{}" : "[]") : scalar(v)) + '\n';
}

} // namespace

std::string to_yaml(const nlohmann::json& value) {
  std::string out;
  if (!value.is_object() && !value.is_array()) {
    return scalar(value) + "\n";
  }
  if (value.empty()) {
    return value.is_object() ? "{}\n" : "[]\n";
  }
  write(value, 0, out);
  return out;
}

} // namespace aic::cli
