#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace aic::cli {

/// Block-style YAML for a JSON value, the way `docker compose config` prints: two-space indent,
/// list items under their key, keys in the JSON's (sorted) order, strings quoted only where
/// YAML would read them as something else. Empty containers print as `{}` and `[]`.
std::string to_yaml(const nlohmann::json& value);

} // namespace aic::cli
