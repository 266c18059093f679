#include "proto/image_requests.hpp"

#include "proto/json_fields.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {

void to_json(nlohmann::json& j, const BuildRequest& v) {
  nlohmann::json args = nlohmann::json::object();
  for (const auto& [k, value] : v.build_args) {
    args[k] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  j = {{"inputs", v.inputs}, {"services", v.services},        {"no_cache", v.no_cache},
       {"pull", v.pull},     {"build_args", std::move(args)}, {"quiet", v.quiet}};
}

void from_json(const nlohmann::json& j, BuildRequest& v) {
  read_field(j, "inputs", v.inputs);
  read_field(j, "services", v.services);
  read_field(j, "no_cache", v.no_cache);
  read_field(j, "pull", v.pull);
  read_field(j, "quiet", v.quiet);
  if (auto it = j.find("build_args"); it != j.end() && !it->is_null()) {
    if (!it->is_object()) {
      throw nlohmann::json::type_error::create(302, "build_args must be an object", &*it);
    }
    for (const auto& [k, value] : it->items()) {
      v.build_args[k] =
          value.is_null() ? std::nullopt : std::optional<std::string>(value.get<std::string>());
    }
  }
}

void to_json(nlohmann::json& j, const PullRequest& v) {
  j = {{"inputs", v.inputs},
       {"services", v.services},
       {"quiet", v.quiet},
       {"ignore_pull_failures", v.ignore_pull_failures},
       {"include_deps", v.include_deps},
       {"ignore_buildable", v.ignore_buildable},
       {"policy", v.policy}};
}

void from_json(const nlohmann::json& j, PullRequest& v) {
  read_field(j, "inputs", v.inputs);
  read_field(j, "services", v.services);
  read_field(j, "quiet", v.quiet);
  read_field(j, "ignore_pull_failures", v.ignore_pull_failures);
  read_field(j, "include_deps", v.include_deps);
  read_field(j, "ignore_buildable", v.ignore_buildable);
  read_field(j, "policy", v.policy);
}

} // namespace aic::proto
