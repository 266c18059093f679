#include "plan/config_hash.hpp"

#include "compose/model_json.hpp"
#include "core/sha256.hpp"

namespace aic::plan {

std::string service_config_hash(const compose::Node& service) {
  nlohmann::json json = compose::to_json(service);
  if (json.is_object()) {
    for (const char* key : {"build", "pull_policy", "scale", "depends_on", "profiles"}) {
      json.erase(key);
    }
    auto deploy = json.find("deploy");
    if (deploy != json.end() && deploy->is_object()) {
      deploy->erase("replicas");
      if (deploy->empty()) {
        json.erase(deploy);
      }
    }
  }
  return sha256_hex(json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

} // namespace aic::plan
