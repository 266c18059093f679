#include "compose/model_json.hpp"

#include "compose/utf8.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

namespace aic::compose {

nlohmann::json to_json(const Node& node) {
  switch (node.kind) {
  case NodeKind::Mapping: {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& e : node.entries) {
      out[to_valid_utf8(e.key)] = to_json(e.value);
    }
    return out;
  }
  case NodeKind::Sequence: {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node.items) {
      out.push_back(to_json(item));
    }
    return out;
  }
  case NodeKind::Scalar:
    break;
  }
  switch (node.type) {
  case ScalarType::Null:
    return nullptr;
  case ScalarType::Bool:
    return node.text == "true" || node.text == "True" || node.text == "TRUE";
  case ScalarType::Int: {
    if (std::optional<long long> v = parse_yaml_int(node.text)) {
      return *v;
    }
    return to_valid_utf8(node.text);
  }
  case ScalarType::Float: {
    if (node.text.find("inf") != std::string::npos || node.text.find("Inf") != std::string::npos ||
        node.text.find("INF") != std::string::npos || node.text.find("nan") != std::string::npos ||
        node.text.find("NaN") != std::string::npos || node.text.find("NAN") != std::string::npos) {
      return node.text; // JSON has no infinities
    }
    return std::strtod(node.text.c_str(), nullptr);
  }
  case ScalarType::String:
    return to_valid_utf8(node.text);
  }
  return nullptr;
}

} // namespace aic::compose
