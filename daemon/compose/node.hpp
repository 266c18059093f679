#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// Where a node came from: file, 1-based line and column. `file` is shared by all nodes of a file.
struct Mark {
  std::shared_ptr<const std::string> file;
  int line = 0;
  int column = 0;

  const std::string& file_name() const;
};

enum class NodeKind : std::uint8_t { Scalar, Sequence, Mapping };

/// The type a scalar resolves to under the YAML 1.2 core schema (quoted scalars are strings).
enum class ScalarType : std::uint8_t { Null, Bool, Int, Float, String };

struct MapEntry;

/// The loader's own YAML tree: ordered mappings, resolved scalar types, a Mark on every node,
/// the explicit tag (only "!reset" and "!override" are kept). Anchors and merge keys are already
/// expanded when a Node exists; YAML::Node never leaves yaml_reader.cpp.
class Node {
public:
  NodeKind kind = NodeKind::Scalar;
  ScalarType type = ScalarType::Null;
  std::string text;    ///< scalar text as written (after interpolation); "" for null
  std::string tag;     ///< "!reset", "!override" or empty
  bool quoted = false; ///< written quoted or as a block scalar: its type never re-resolves
  Mark mark;
  std::vector<Node> items;       ///< Sequence children
  std::vector<MapEntry> entries; ///< Mapping children, in file order

  Node();
  Node(const Node&);
  Node(Node&&) noexcept;
  Node& operator=(const Node&);
  Node& operator=(Node&&) noexcept;
  ~Node();

  static Node null(Mark m = {});
  static Node string(std::string s, Mark m = {});
  static Node integer(long long v, Mark m = {});
  static Node boolean(bool v, Mark m = {});
  static Node sequence(Mark m = {});
  static Node mapping(Mark m = {});
  /// A plain (unquoted) scalar whose type is resolved from its text, as YAML would.
  static Node plain(std::string s, Mark m = {});

  bool is_null() const { return kind == NodeKind::Scalar && type == ScalarType::Null; }
  bool is_scalar() const { return kind == NodeKind::Scalar; }
  bool is_sequence() const { return kind == NodeKind::Sequence; }
  bool is_mapping() const { return kind == NodeKind::Mapping; }
  bool is_string() const { return kind == NodeKind::Scalar && type == ScalarType::String; }

  /// Mapping lookup (linear; compose maps are small). nullptr when absent or not a mapping.
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  const MapEntry* find_entry(std::string_view key) const;
  /// Inserts or replaces `key` (keeps the original position when replacing).
  Node& set(std::string key, Node value, Mark key_mark = {});
  bool erase(std::string_view key);

  /// "JSON-ish" name of the kind for messages: "a string", "a number", "a list", "a mapping"…
  std::string_view describe_type() const;
};

struct MapEntry {
  std::string key;
  Mark key_mark;
  Node value;
};

/// Resolves a plain scalar's type under the YAML 1.2 core schema (null/~/"", true/false,
/// decimal/0x/0o integers, floats, .inf/.nan); anything else is a string.
ScalarType resolve_plain_scalar(std::string_view text);

/// An integer as Compose's YAML library (go-yaml v3) reads a plain scalar: decimal, 0x hex, 0o
/// or leading-0 octal (`0440` is 288), 0b binary, `_` separators, an optional sign. nullopt when
/// the text is not such an integer or does not fit in 64 bits.
std::optional<long long> parse_yaml_int(std::string_view text);

} // namespace aic::compose
