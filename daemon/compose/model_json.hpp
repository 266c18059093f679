#pragma once

#include "compose/node.hpp"

#include <nlohmann/json.hpp>

namespace aic::compose {

/// The canonical tree as JSON with sorted keys: integers and floats as numbers, booleans, nulls
/// and strings as themselves. Two calls on equal trees give byte-identical dumps.
nlohmann::json to_json(const Node& node);

} // namespace aic::compose
