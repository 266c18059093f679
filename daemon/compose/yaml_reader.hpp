#pragma once

#include "compose/diagnostic.hpp"
#include "compose/node.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace aic::compose {

/// Bounds that make hostile YAML fail fast instead of eating memory or the stack.
struct ReadLimits {
  std::size_t max_bytes = 8 * 1024 * 1024; ///< size of one file
  std::size_t max_nodes = 250'000;         ///< nodes after expanding aliases and merge keys
  int max_depth = 128;                     ///< nesting of mappings and sequences
};

/// Parses one YAML document into a Node: anchors and aliases expanded (bounded), `<<` merge keys
/// applied (explicit keys win; in a list of maps the earlier map wins), duplicate keys, non-string
/// keys and unknown tags reported. Returns nullopt when the document could not be read; the
/// reasons are in `diags`. An empty document yields a null Node.
std::optional<Node> read_yaml(std::string_view content, std::shared_ptr<const std::string> file,
                              Diagnostics& diags, const ReadLimits& limits = {});

} // namespace aic::compose
