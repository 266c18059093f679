#include "compose/node.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace aic::compose {

const std::string& Mark::file_name() const {
  static const std::string kNone;
  return file ? *file : kNone;
}

Node::Node() = default;
Node::Node(const Node&) = default;
Node::Node(Node&&) noexcept = default;
Node& Node::operator=(const Node&) = default;
Node& Node::operator=(Node&&) noexcept = default;
Node::~Node() = default;

Node Node::null(Mark m) {
  Node n;
  n.mark = std::move(m);
  return n;
}

Node Node::string(std::string s, Mark m) {
  Node n;
  n.type = ScalarType::String;
  n.text = std::move(s);
  n.mark = std::move(m);
  return n;
}

Node Node::integer(long long v, Mark m) {
  Node n;
  n.type = ScalarType::Int;
  n.text = std::to_string(v);
  n.mark = std::move(m);
  return n;
}

Node Node::boolean(bool v, Mark m) {
  Node n;
  n.type = ScalarType::Bool;
  n.text = v ? "true" : "false";
  n.mark = std::move(m);
  return n;
}

Node Node::sequence(Mark m) {
  Node n;
  n.kind = NodeKind::Sequence;
  n.mark = std::move(m);
  return n;
}

Node Node::mapping(Mark m) {
  Node n;
  n.kind = NodeKind::Mapping;
  n.mark = std::move(m);
  return n;
}

Node Node::plain(std::string s, Mark m) {
  Node n;
  n.type = resolve_plain_scalar(s);
  n.text = n.type == ScalarType::Null ? std::string() : std::move(s);
  n.mark = std::move(m);
  return n;
}

const MapEntry* Node::find_entry(std::string_view key) const {
  if (kind != NodeKind::Mapping) {
    return nullptr;
  }
  for (const auto& e : entries) {
    if (e.key == key) {
      return &e;
    }
  }
  return nullptr;
}

const Node* Node::find(std::string_view key) const {
  const MapEntry* e = find_entry(key);
  return e ? &e->value : nullptr;
}

Node* Node::find(std::string_view key) {
  return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

Node& Node::set(std::string key, Node value, Mark key_mark) {
  for (auto& e : entries) {
    if (e.key == key) {
      e.value = std::move(value);
      return e.value;
    }
  }
  entries.push_back(MapEntry{std::move(key), std::move(key_mark), std::move(value)});
  return entries.back().value;
}

bool Node::erase(std::string_view key) {
  auto it =
      std::find_if(entries.begin(), entries.end(), [&](const MapEntry& e) { return e.key == key; });
  if (it == entries.end()) {
    return false;
  }
  entries.erase(it);
  return true;
}

std::string_view Node::describe_type() const {
  switch (kind) {
  case NodeKind::Sequence:
    return "a list";
  case NodeKind::Mapping:
    return "a mapping";
  case NodeKind::Scalar:
    break;
  }
  switch (type) {
  case ScalarType::Null:
    return "null";
  case ScalarType::Bool:
    return "a boolean";
  case ScalarType::Int:
    return "an integer";
  case ScalarType::Float:
    return "a number";
  case ScalarType::String:
    return "a string";
  }
  return "a value";
}

namespace {

bool all_of(std::string_view s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [&](char c) { return pred(static_cast<unsigned char>(c)); });
}

bool is_float(std::string_view s) {
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "-.inf" || s == "+.Inf" ||
      s == "-.Inf" || s == "+.INF" || s == "-.INF" || s == ".nan" || s == ".NaN" || s == ".NAN") {
    return true;
  }
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit in the mantissa.
  std::size_t i = 0;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
    ++i;
    ++digits;
  }
  bool dot = false;
  if (i < s.size() && s[i] == '.') {
    dot = true;
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      ++digits;
    }
  }
  if (digits == 0) {
    return false;
  }
  bool exp = false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    exp = true;
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
      ++i;
    }
    if (!all_of(s.substr(i), ::isdigit)) {
      return false;
    }
    i = s.size();
  }
  return i == s.size() && (dot || exp);
}

} // namespace

std::optional<long long> parse_yaml_int(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && std::isalpha(static_cast<unsigned char>(s[1]))) {
    char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    s.remove_prefix(2);
  } else if (s.size() > 1 && s[0] == '0') {
    base = 8;
    s.remove_prefix(1);
  }
  if (base == 0 || s.empty() || s.front() == '_' || s.back() == '_') {
    return std::nullopt;
  }
  unsigned long long value = 0;
  constexpr unsigned long long kLimit = 1ULL << 63;
  bool previous_underscore = false;
  for (char c : s) {
    if (c == '_') {
      if (previous_underscore) {
        return std::nullopt;
      }
      previous_underscore = true;
      continue;
    }
    previous_underscore = false;
    unsigned digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<unsigned>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<unsigned>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<unsigned>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    if (digit >= base || value > (kLimit - digit) / base) {
      return std::nullopt;
    }
    value = value * base + digit;
  }
  if (value == kLimit) {
    return negative ? std::optional<long long>(std::numeric_limits<long long>::min())
                    : std::nullopt;
  }
  long long v = static_cast<long long>(value);
  return negative ? -v : v;
}

ScalarType resolve_plain_scalar(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return ScalarType::Null;
  }
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarType::Bool;
  }
  if (parse_yaml_int(s)) {
    return ScalarType::Int;
  }
  if (is_float(s)) {
    return ScalarType::Float;
  }
  return ScalarType::String;
}

} // namespace aic::compose
