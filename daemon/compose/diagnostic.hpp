#pragma once

#include "compose/node.hpp"
#include "core/error.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// One problem found in the user's compose input, with where it is and the key path
/// (`services.api.ports[1]`). Formatted as `file:line:col: path: message`.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string path;
  std::string message;

  static Diagnostic at(const Mark& mark, std::string path, std::string message);
  std::string format() const;
  bool operator<(const Diagnostic& other) const;
  bool operator==(const Diagnostic& other) const = default;
};

/// Collects diagnostics; the loader keeps going after an error so that a file with several
/// errors reports them all, sorted by file, line and column.
class Diagnostics {
public:
  void add(const Mark& mark, std::string path, std::string message);
  void add(Diagnostic d) { list_.push_back(std::move(d)); }
  bool empty() const { return list_.empty(); }
  std::size_t size() const { return list_.size(); }
  const std::vector<Diagnostic>& list() const { return list_; }
  /// Sorted, de-duplicated Error(InvalidSpec) carrying one formatted detail line per diagnostic.
  Error to_error() const;

private:
  std::vector<Diagnostic> list_;
};

/// `parent.key`, or `key` at the top; `parent[index]` for sequences.
std::string join_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);

/// Quotes text for a one-line error message, like Go's %q: `"`, `\` and control characters are
/// escaped, and text longer than 200 bytes is cut and ends in `...`.
std::string quote_for_message(std::string_view text);

} // namespace aic::compose
