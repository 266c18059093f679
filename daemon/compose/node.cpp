#include "compose/node.hpp"

#include <algorithm>
#include <cctype>

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

bool is_decimal_int(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    s.remove_prefix(1);
  }
  return all_of(s, ::isdigit);
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

ScalarType resolve_plain_scalar(std::string_view s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    return ScalarType::Null;
  }
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    return ScalarType::Bool;
  }
  if (is_decimal_int(s)) {
    return ScalarType::Int;
  }
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'o') &&
      all_of(s.substr(2), s[1] == 'x' ? ::isxdigit : ::isdigit)) {
    return ScalarType::Int;
  }
  if (is_float(s)) {
    return ScalarType::Float;
  }
  return ScalarType::String;
}

} // namespace aic::compose
