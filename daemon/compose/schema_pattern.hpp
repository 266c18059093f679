#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace aic::compose {

/// A compiled regular expression in the subset the schema's patterns use: literals, `.`, `[...]`
/// classes with ranges, `^`, `$`, groups, `|`, and `*`, `+`, `?`. Matching simulates the NFA
/// (Thompson), so it takes O(text × pattern) time whatever the user wrote. Searches, as JSON
/// Schema's "pattern" does: `^`/`$` anchor at the ends of the text, otherwise any substring counts.
class SchemaPattern {
public:
  /// Throws std::runtime_error on syntax outside the subset (the schema is ours: a build bug).
  explicit SchemaPattern(std::string_view source);
  SchemaPattern(SchemaPattern&&) noexcept;
  SchemaPattern& operator=(SchemaPattern&&) noexcept;
  ~SchemaPattern();

  const std::string& source() const;
  bool search(std::string_view text) const;

private:
  class Impl;
  std::unique_ptr<const Impl> impl_;
};

} // namespace aic::compose
