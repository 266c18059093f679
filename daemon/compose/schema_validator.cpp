#include "compose/schema_validator.hpp"

#include "compose/schema_pattern.hpp"

#include <algorithm>
#include <bitset>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace aic::compose {

namespace {

using Json = nlohmann::json;

// Deeper than any path the loader lets through (200 levels, a few schema hops each); only a
// malformed schema (a $ref cycle) could reach it.
constexpr int kMaxDepth = 1024;

// JSON Schema primitive types as bits. An Int node carries both kInteger and kNumber.
enum TypeBit : unsigned {
  kString = 1U << 0U,
  kInteger = 1U << 1U,
  kNumber = 1U << 2U,
  kBoolean = 1U << 3U,
  kArray = 1U << 4U,
  kObject = 1U << 5U,
  kNull = 1U << 6U,
};
constexpr unsigned kAnyType = (1U << 7U) - 1U;

struct TypeInfo {
  unsigned bit;
  std::string_view json_name;
  std::string_view words;
};

constexpr TypeInfo kTypes[] = {
    {kString, "string", "a string"}, {kInteger, "integer", "an integer"},
    {kNumber, "number", "a number"}, {kBoolean, "boolean", "a boolean"},
    {kArray, "array", "a list"},     {kObject, "object", "a mapping"},
    {kNull, "null", "null"},
};

unsigned type_bit(std::string_view json_name) {
  for (const auto& t : kTypes) {
    if (t.json_name == json_name) {
      return t.bit;
    }
  }
  throw std::runtime_error("unknown type \"" + std::string(json_name) + "\"");
}

std::string_view type_words(unsigned bit) {
  for (const auto& t : kTypes) {
    if (t.bit == bit) {
      return t.words;
    }
  }
  return "a value";
}

unsigned node_type_bits(const Node& node) {
  switch (node.kind) {
  case NodeKind::Mapping:
    return kObject;
  case NodeKind::Sequence:
    return kArray;
  case NodeKind::Scalar:
    break;
  }
  switch (node.type) {
  case ScalarType::Null:
    return kNull;
  case ScalarType::Bool:
    return kBoolean;
  case ScalarType::Int:
    return kInteger | kNumber;
  case ScalarType::Float:
    return kNumber;
  case ScalarType::String:
    return kString;
  }
  return 0;
}

struct EnumValue {
  unsigned type = kNull; // kString, kNumber, kBoolean or kNull
  std::string text;      // as printed in messages
  double number = 0;
  bool boolean = false;
};

constexpr int kAllowAny = -1;
constexpr int kDeny = -2;

/// One schema object, with its subschemas referred to by index into Compiled::schemas.
struct Schema {
  bool never = false;          // the `false` schema
  std::vector<unsigned> types; // schema order; empty: any type
  unsigned type_mask = kAnyType;
  int ref = -1;
  std::vector<std::pair<std::string, int>> properties; // sorted by name
  std::vector<std::pair<int, int>> pattern_properties; // pattern index, schema index
  int additional = kAllowAny;                          // or kDeny, or a schema index
  int items = -1;
  std::vector<int> all_of;
  std::vector<int> alternatives; // oneOf and anyOf, both treated as anyOf
  bool has_enum = false;
  std::vector<EnumValue> enum_values;
  std::vector<std::string> required;
  bool unique_items = false;
  std::optional<double> minimum;
  std::optional<double> maximum;
  int pattern = -1; // index into Compiled::patterns

  // The types this schema can accept at all, for choosing among oneOf alternatives.
  unsigned accepted_mask = kAnyType;
  std::vector<unsigned> accepted_types; // schema order; empty when any type is accepted
};

struct Compiled {
  std::vector<Schema> schemas;
  std::vector<SchemaPattern> patterns;
  int root = -1;
};

/// Turns the schema JSON into `Compiled`. Throws on anything this validator does not implement,
/// so that a schema update using a new keyword fails every test instead of being half-checked.
class Compiler {
public:
  Compiler(const Json& doc, Compiled& out) : doc_(doc), out_(out) {}

  void run() {
    out_.root = compile(doc_);
    for (std::size_t i = 0; i < out_.schemas.size(); ++i) {
      unsigned mask = 0;
      std::vector<unsigned> order;
      accepted(static_cast<int>(i), 0, mask, order);
      out_.schemas[i].accepted_mask = mask;
      out_.schemas[i].accepted_types = mask == kAnyType ? std::vector<unsigned>{} : order;
    }
  }

private:
  int allocate() {
    out_.schemas.emplace_back();
    return static_cast<int>(out_.schemas.size() - 1);
  }

  int compile(const Json& j) {
    const int index = allocate();
    compile_into(index, j);
    return index;
  }

  int compile_ref(const std::string& ref) {
    if (auto it = refs_.find(ref); it != refs_.end()) {
      return it->second;
    }
    if (!ref.starts_with('#')) {
      throw std::runtime_error("unsupported $ref \"" + ref + "\"");
    }
    const Json& target = doc_.at(Json::json_pointer(ref.substr(1)));
    const int index = allocate();
    refs_.emplace(ref, index);
    compile_into(index, target);
    return index;
  }

  int pattern(const std::string& source) {
    if (auto it = patterns_.find(source); it != patterns_.end()) {
      return it->second;
    }
    out_.patterns.emplace_back(source);
    const int index = static_cast<int>(out_.patterns.size() - 1);
    patterns_.emplace(source, index);
    return index;
  }

  std::vector<int> compile_list(const Json& j) {
    std::vector<int> list;
    for (const auto& sub : j) {
      list.push_back(compile(sub));
    }
    return list;
  }

  // Builds into a local and stores at the end: compiling subschemas grows out_.schemas.
  void compile_into(int index, const Json& j) {
    Schema s;
    if (j.is_boolean()) {
      s.never = !j.get<bool>();
      out_.schemas[static_cast<std::size_t>(index)] = std::move(s);
      return;
    }
    if (!j.is_object()) {
      throw std::runtime_error("a schema must be an object or a boolean");
    }
    for (const auto& [keyword, value] : j.items()) {
      if (keyword == "$ref") {
        s.ref = compile_ref(value.get<std::string>());
      } else if (keyword == "type") {
        s.type_mask = 0;
        if (value.is_string()) {
          s.types.push_back(type_bit(value.get<std::string>()));
        } else {
          for (const auto& t : value) {
            s.types.push_back(type_bit(t.get<std::string>()));
          }
        }
        for (unsigned bit : s.types) {
          s.type_mask |= bit;
        }
      } else if (keyword == "properties") {
        for (const auto& [name, sub] : value.items()) {
          s.properties.emplace_back(name, compile(sub));
        }
        std::sort(s.properties.begin(), s.properties.end());
      } else if (keyword == "patternProperties") {
        for (const auto& [regex, sub] : value.items()) {
          s.pattern_properties.emplace_back(pattern(regex), compile(sub));
        }
      } else if (keyword == "additionalProperties") {
        if (value.is_boolean()) {
          s.additional = value.get<bool>() ? kAllowAny : kDeny;
        } else {
          s.additional = compile(value);
        }
      } else if (keyword == "items") {
        if (!value.is_object() && !value.is_boolean()) {
          throw std::runtime_error("tuple \"items\" is not supported");
        }
        s.items = compile(value);
      } else if (keyword == "oneOf" || keyword == "anyOf") {
        for (int alt : compile_list(value)) {
          s.alternatives.push_back(alt);
        }
      } else if (keyword == "allOf") {
        s.all_of = compile_list(value);
      } else if (keyword == "enum") {
        s.has_enum = true;
        for (const auto& v : value) {
          s.enum_values.push_back(enum_value(v));
        }
      } else if (keyword == "required") {
        s.required = value.get<std::vector<std::string>>();
      } else if (keyword == "uniqueItems") {
        s.unique_items = value.get<bool>();
      } else if (keyword == "minimum") {
        s.minimum = value.get<double>();
      } else if (keyword == "maximum") {
        s.maximum = value.get<double>();
      } else if (keyword == "pattern") {
        s.pattern = pattern(value.get<std::string>());
      } else if (keyword != "description" && keyword != "deprecated" && keyword != "default" &&
                 keyword != "title" && keyword != "$schema" && keyword != "$id" &&
                 keyword != "$comment" && keyword != "definitions" && keyword != "examples") {
        throw std::runtime_error("unsupported schema keyword \"" + keyword + "\"");
      }
    }
    out_.schemas[static_cast<std::size_t>(index)] = std::move(s);
  }

  static EnumValue enum_value(const Json& v) {
    EnumValue e;
    if (v.is_string()) {
      e.type = kString;
      e.text = v.get<std::string>();
    } else if (v.is_number()) {
      e.type = kNumber;
      e.number = v.get<double>();
      e.text = v.dump();
    } else if (v.is_boolean()) {
      e.type = kBoolean;
      e.boolean = v.get<bool>();
      e.text = v.dump();
    } else if (v.is_null()) {
      e.type = kNull;
      e.text = "null";
    } else {
      throw std::runtime_error("only scalar enum values are supported");
    }
    return e;
  }

  // Union of the types a schema accepts: its "type", else the union over its alternatives.
  void accepted(int index, int depth, unsigned& mask, std::vector<unsigned>& order) const {
    const Schema& s = out_.schemas[static_cast<std::size_t>(index)];
    if (depth > 64) {
      mask = kAnyType;
      return;
    }
    if (s.never) {
      return;
    }
    if (s.ref >= 0) {
      accepted(s.ref, depth + 1, mask, order);
      return;
    }
    if (!s.types.empty()) {
      for (unsigned bit : s.types) {
        mask |= bit;
        if (std::find(order.begin(), order.end(), bit) == order.end()) {
          order.push_back(bit);
        }
      }
      return;
    }
    if (!s.alternatives.empty()) {
      for (int alt : s.alternatives) {
        accepted(alt, depth + 1, mask, order);
      }
      return;
    }
    mask = kAnyType;
  }

  const Json& doc_;
  Compiled& out_;
  std::map<std::string, int> refs_;
  std::map<std::string, int> patterns_;
};

/// A node as a message shows it: strings quoted, other scalars as written, structures by kind.
std::string render(const Node& node) {
  if (!node.is_scalar()) {
    return std::string(node.describe_type());
  }
  switch (node.type) {
  case ScalarType::String:
    return quote_for_message(node.text);
  case ScalarType::Null:
    return "null";
  default:
    return node.text;
  }
}

/// "a, b or c".
std::string join_or(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      out += i + 1 == words.size() ? " or " : ", ";
    }
    out += words[i];
  }
  return out;
}

std::string type_message(const std::vector<unsigned>& allowed, const Node& node) {
  std::vector<std::string> words;
  words.reserve(allowed.size());
  for (unsigned bit : allowed) {
    words.emplace_back(type_words(bit));
  }
  return "must be " + join_or(words) + ", not " + std::string(node.describe_type());
}

/// Prints a bound as the schema wrote it: integral bounds without a fraction.
std::string format_number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

/// The numeric value of an Int or Float node (YAML spellings: 0x1f, 0o17, +1, .inf, .nan).
std::optional<double> numeric_value(const Node& node) {
  if (!node.is_scalar() || (node.type != ScalarType::Int && node.type != ScalarType::Float)) {
    return std::nullopt;
  }
  if (node.type == ScalarType::Int) {
    if (auto v = parse_yaml_int(node.text)) {
      return static_cast<double>(*v);
    }
  }
  std::string_view text = node.text;
  const bool negative = text.starts_with('-');
  if (text.starts_with('+') || negative) {
    text.remove_prefix(1);
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double v = 0;
  auto res = std::from_chars(text.data(), text.data() + text.size(), v);
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) {
    return std::nullopt;
  }
  return negative ? -v : v;
}

bool enum_matches(const EnumValue& e, const Node& node) {
  if (!node.is_scalar()) {
    return false;
  }
  switch (node.type) {
  case ScalarType::String:
    return e.type == kString && e.text == node.text;
  case ScalarType::Null:
    return e.type == kNull;
  case ScalarType::Bool:
    return e.type == kBoolean && e.boolean == (node.text[0] == 't' || node.text[0] == 'T');
  case ScalarType::Int:
  case ScalarType::Float: {
    const auto v = numeric_value(node);
    return e.type == kNumber && v && *v == e.number;
  }
  }
  return false;
}

void append_length_prefixed(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

/// A string equal for two nodes exactly when they are equal as JSON values in the sense this
/// validator uses for uniqueItems: scalars by type and value, mappings regardless of key order.
void canonical(const Node& node, int depth, std::string& out) {
  if (depth > kMaxDepth) {
    out += '~';
    return;
  }
  switch (node.kind) {
  case NodeKind::Sequence:
    out += '[';
    for (const auto& item : node.items) {
      canonical(item, depth + 1, out);
    }
    out += ']';
    return;
  case NodeKind::Mapping: {
    std::vector<const MapEntry*> sorted;
    sorted.reserve(node.entries.size());
    for (const auto& e : node.entries) {
      sorted.push_back(&e);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const MapEntry* a, const MapEntry* b) { return a->key < b->key; });
    out += '{';
    for (const MapEntry* e : sorted) {
      append_length_prefixed(out, e->key);
      canonical(e->value, depth + 1, out);
    }
    out += '}';
    return;
  }
  case NodeKind::Scalar:
    break;
  }
  switch (node.type) {
  case ScalarType::Null:
    out += 'n';
    return;
  case ScalarType::Bool:
    out += (node.text[0] == 't' || node.text[0] == 'T') ? "b1" : "b0";
    return;
  case ScalarType::Int:
    if (auto v = parse_yaml_int(node.text)) {
      out += 'i';
      append_length_prefixed(out, std::to_string(*v));
      return;
    }
    break;
  case ScalarType::Float:
  case ScalarType::String:
    break;
  }
  out += node.type == ScalarType::String ? 's' : 'f';
  append_length_prefixed(out, node.text);
}

class Run {
public:
  Run(const Compiled& compiled, Diagnostics& out) : compiled_(compiled), out_(out) {}

  void check(int index, const Node& node, const std::string& path, int depth) {
    if (node.tag == "!reset") {
      return;
    }
    if (depth > kMaxDepth) {
      out_.add(node.mark, path, "is nested too deeply");
      return;
    }
    const Schema& s = schema(index);
    if (s.never) {
      out_.add(node.mark, path, "is not allowed here");
      return;
    }
    if (s.ref >= 0) {
      // Draft-07: keywords beside $ref are ignored.
      check(s.ref, node, path, depth + 1);
      return;
    }
    if ((s.type_mask & node_type_bits(node)) == 0) {
      out_.add(node.mark, path, type_message(s.types, node));
      return;
    }
    if (s.has_enum) {
      check_enum(s, node, path);
    }
    check_number(s, node, path);
    if (s.pattern >= 0 && node.is_string() &&
        !compiled_.patterns[static_cast<std::size_t>(s.pattern)].search(node.text)) {
      out_.add(
          node.mark, path,
          "must match the pattern " +
              quote_for_message(compiled_.patterns[static_cast<std::size_t>(s.pattern)].source()));
    }
    if (node.is_mapping()) {
      check_mapping(s, node, path, depth);
    } else if (node.is_sequence()) {
      check_sequence(s, node, path, depth);
    }
    for (int sub : s.all_of) {
      check(sub, node, path, depth + 1);
    }
    if (!s.alternatives.empty()) {
      check_alternatives(s, node, path, depth);
    }
  }

private:
  const Schema& schema(int index) const {
    return compiled_.schemas[static_cast<std::size_t>(index)];
  }

  void check_enum(const Schema& s, const Node& node, const std::string& path) {
    for (const auto& e : s.enum_values) {
      if (enum_matches(e, node)) {
        return;
      }
    }
    std::string message = "must be one of ";
    for (std::size_t i = 0; i < s.enum_values.size(); ++i) {
      if (i > 0) {
        message += ", ";
      }
      const EnumValue& e = s.enum_values[i];
      message += e.type == kString ? quote_for_message(e.text) : e.text;
    }
    message += ", not " + render(node);
    out_.add(node.mark, path, std::move(message));
  }

  void check_number(const Schema& s, const Node& node, const std::string& path) {
    if (!s.minimum && !s.maximum) {
      return;
    }
    const auto v = numeric_value(node);
    if (!v) {
      return;
    }
    if (s.minimum && !(*v >= *s.minimum)) {
      out_.add(node.mark, path, "must be at least " + format_number(*s.minimum));
    }
    if (s.maximum && !(*v <= *s.maximum)) {
      out_.add(node.mark, path, "must be at most " + format_number(*s.maximum));
    }
  }

  void check_mapping(const Schema& s, const Node& node, const std::string& path, int depth) {
    for (const auto& entry : node.entries) {
      const std::string child = join_path(path, entry.key);
      bool matched = false;
      const auto property = std::lower_bound(s.properties.begin(), s.properties.end(), entry.key,
                                             [](const std::pair<std::string, int>& p,
                                                const std::string& key) { return p.first < key; });
      if (property != s.properties.end() && property->first == entry.key) {
        matched = true;
        check(property->second, entry.value, child, depth + 1);
      }
      for (const auto& [pattern, sub] : s.pattern_properties) {
        if (compiled_.patterns[static_cast<std::size_t>(pattern)].search(entry.key)) {
          matched = true;
          check(sub, entry.value, child, depth + 1);
        }
      }
      if (matched) {
        continue;
      }
      if (s.additional == kDeny) {
        const Mark& mark = entry.key_mark.line > 0 ? entry.key_mark : entry.value.mark;
        out_.add(mark, path, "unknown key " + quote_for_message(entry.key));
      } else if (s.additional >= 0) {
        check(s.additional, entry.value, child, depth + 1);
      }
    }
    for (const auto& key : s.required) {
      if (node.find_entry(key) == nullptr) {
        out_.add(node.mark, path, "missing required key " + quote_for_message(key));
      }
    }
  }

  void check_sequence(const Schema& s, const Node& node, const std::string& path, int depth) {
    if (s.items >= 0) {
      for (std::size_t i = 0; i < node.items.size(); ++i) {
        check(s.items, node.items[i], index_path(path, i), depth + 1);
      }
    }
    if (!s.unique_items) {
      return;
    }
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < node.items.size(); ++i) {
      const Node& item = node.items[i];
      if (item.tag == "!reset") {
        continue;
      }
      std::string key;
      canonical(item, depth + 1, key);
      auto [it, inserted] = seen.emplace(std::move(key), i);
      if (inserted) {
        continue;
      }
      out_.add(item.mark, index_path(path, i),
               item.is_scalar() ? "duplicate item " + render(item)
                                : "duplicate item (same as " + index_path("", it->second) + ")");
    }
  }

  // oneOf is checked as anyOf: the node passes when one alternative accepts it. Otherwise the
  // report comes from the alternative meant for the node's type (so a bad key inside a long-syntax
  // port is named), or, when no alternative takes that type, lists the types that would do.
  void check_alternatives(const Schema& s, const Node& node, const std::string& path, int depth) {
    const unsigned bits = node_type_bits(node);
    std::optional<Diagnostics> best;
    std::vector<unsigned> union_types;
    for (int alt : s.alternatives) {
      const Schema& a = schema(alt);
      if ((a.accepted_mask & bits) == 0) {
        for (unsigned bit : a.accepted_types) {
          if (std::find(union_types.begin(), union_types.end(), bit) == union_types.end()) {
            union_types.push_back(bit);
          }
        }
        continue;
      }
      Diagnostics trial;
      Run(compiled_, trial).check(alt, node, path, depth + 1);
      if (trial.empty()) {
        return;
      }
      if (!best || trial.size() < best->size()) {
        best = std::move(trial);
      }
    }
    if (best) {
      for (const auto& d : best->list()) {
        out_.add(d);
      }
      return;
    }
    out_.add(node.mark, path,
             union_types.empty() ? std::string("is not allowed here")
                                 : type_message(union_types, node));
  }

  const Compiled& compiled_;
  Diagnostics& out_;
};

} // namespace

struct SchemaValidator::Impl {
  Compiled compiled;
};

SchemaValidator::SchemaValidator() {
  auto impl = std::make_unique<Impl>();
  try {
    const Json doc = Json::parse(compose_schema_text());
    Compiler(doc, impl->compiled).run();
  } catch (const std::exception& e) {
    // The schema is a constant compiled into the binary: failing here is a bug in aic.
    std::fprintf(stderr, "aic: the embedded compose schema is invalid: %s\n", e.what());
    std::abort();
  }
  impl_ = std::move(impl);
}

SchemaValidator::~SchemaValidator() = default;

void SchemaValidator::validate(const Node& root, Diagnostics& out) const {
  Run(impl_->compiled, out).check(impl_->compiled.root, root, "", 0);
}

const SchemaValidator& compose_schema() {
  static const SchemaValidator validator;
  return validator;
}

} // namespace aic::compose
