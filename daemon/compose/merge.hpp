#pragma once

#include "compose/node.hpp"

namespace aic::compose {

/// Merges a later file's canonical tree into the accumulated one, by the Compose Specification's
/// rules (13-merge.md): mappings merge per key, sequences append, scalars override;
/// `command`, `entrypoint` and `healthcheck.test` are replaced; ports, volumes, secrets and configs
/// are unique by their target (ports by ip, target, published port and protocol), and
/// expose, devices, env_file, dns… by value; `!reset` removes a key, `!override` replaces it.
/// Both trees must already be canonical (long syntax), see canonical.hpp.
void merge_project(Node& base, Node over);

/// Merges one service over another with the same rules (used by `extends` too).
void merge_service(Node& base, Node over);

/// Removes every `!reset` key and clears `!override` tags, for a tree that was not merged over
/// anything (the first file).
void strip_merge_tags(Node& node);

/// Structural equality of two trees (kind, scalar type and text, children); marks are ignored.
bool same_value(const Node& a, const Node& b);

} // namespace aic::compose
