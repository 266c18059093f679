#pragma once

#include "compose/node.hpp"

#include <string>

namespace aic::plan {

/// sha256 of the service's canonical JSON without the keys that must not cause a recreate
/// (Compose's hash.go excludes the same): build, pull_policy, scale, deploy.replicas,
/// depends_on and profiles. Equal configurations give equal hashes, whatever the key order
/// in the files.
std::string service_config_hash(const compose::Node& service);

} // namespace aic::plan
