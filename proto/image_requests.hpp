#pragma once

// The bodies of `POST /v1/projects/{name}/build` and `/pull` (`aic build`, `aic pull`).

#include "proto/project_types.hpp"

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace aic::proto {

/// `aic build [SERVICE...]`: builds the images of the services that have a `build:` section.
struct BuildRequest {
  ComposeInputs inputs;              ///< as `aic up` sends them
  std::vector<std::string> services; ///< [] = every service; services without build: are skipped
  bool no_cache = false;
  bool pull = false; ///< always pull a newer version of the base images
  /// --build-arg KEY=VAL over the services' build.args; null: KEY without value (the engine
  /// then takes the Dockerfile's default).
  std::map<std::string, std::optional<std::string>> build_args;
  bool quiet = false; ///< progress without the build output lines

  bool operator==(const BuildRequest&) const = default;
};

/// `aic pull [SERVICE...]`: pulls the images of the services as their pull_policy says.
struct PullRequest {
  ComposeInputs inputs;
  std::vector<std::string> services; ///< [] = every service
  bool quiet = false;                ///< progress without the per-layer lines
  bool ignore_pull_failures = false; ///< report failures as warnings and succeed
  bool include_deps = false;         ///< also the services the named ones depend on
  bool ignore_buildable = false;     ///< skip services that have a build: section
  std::string policy;                ///< "" (each pull_policy), "missing" or "always"

  bool operator==(const PullRequest&) const = default;
};

void to_json(nlohmann::json& j, const BuildRequest& v);
void from_json(const nlohmann::json& j, BuildRequest& v);
void to_json(nlohmann::json& j, const PullRequest& v);
void from_json(const nlohmann::json& j, PullRequest& v);

} // namespace aic::proto
