#pragma once

#include "compose/node.hpp"

#include <string>

namespace aic::compose {

/// Makes the relative paths of one canonical file absolute against `base_dir`: build contexts
/// (not URLs), bind mount sources, env_file paths, secret and config files; `~` is `home`.
void resolve_relative_paths(Node& root, const std::string& base_dir, const std::string& home);

} // namespace aic::compose
