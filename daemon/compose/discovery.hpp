#pragma once

#include "compose/file_source.hpp"

#include <string>
#include <vector>

namespace aic::compose {

/// Compose's default files: the first of compose.yaml, compose.yml, docker-compose.yml,
/// docker-compose.yaml found in `start` or the nearest parent that has one, followed by the
/// first matching *.override.y(a)ml beside it. Empty when there is none up to the root.
std::vector<std::string> discover_compose_files(const FileSource& files, const std::string& start);

} // namespace aic::compose
