#pragma once

// Splits the engine's streams of concatenated JSON objects (image pull and build progress,
// /events) into one string per object. Docker writes them back to back, usually but not always
// one per line, so boundaries are found by tracking brace depth outside strings.

#include "core/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

/// Incremental object splitter: it finds boundaries (depth, in-string, escape) and does not
/// validate the JSON inside an object. Linear time; memory bounded by max_object_bytes. Not
/// thread-safe; one per stream.
class JsonObjectSplitter {
public:
  explicit JsonObjectSplitter(std::size_t max_object_bytes = std::size_t{1} << 20);

  /// Appends every object completed by `bytes` to `objects`, without the whitespace between
  /// objects. An object longer than max_object_bytes, or a byte other than whitespace or '{'
  /// between objects, is EngineUnavailable ("malformed JSON stream: ..."); objects completed
  /// before it are still appended, and every later call fails the same way.
  Result<void> feed(std::string_view bytes, std::vector<std::string>& objects);

  /// At end of stream: EngineUnavailable when an object was started and not finished (or an
  /// earlier feed failed).
  Result<void> finish() const;

private:
  std::size_t max_object_bytes_;
  std::string pending_; // the unfinished object, from its '{'
  std::size_t depth_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  std::optional<Error> failure_;
};

} // namespace aic::engine
