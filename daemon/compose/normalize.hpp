#pragma once

#include "compose/diagnostic.hpp"
#include "compose/file_source.hpp"
#include "compose/node.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace aic::compose {

/// What normalization needs besides the merged tree.
struct NormalizeContext {
  std::string project_name;
  std::string project_dir;
  const std::map<std::string, std::string>* environment = nullptr; ///< OS over .env
  std::vector<std::string> active_profiles;                        ///< "*" enables every profile
  std::vector<std::string> selected_services;  ///< named on the command line: enabled, and the
                                               ///< output is limited to them and their deps
  const FileSource* files = nullptr;           ///< to read env_file entries
  std::set<std::string>* referenced = nullptr; ///< receives variable names env files looked up
  bool interpolate = true;
};

/// Turns the merged canonical tree into the final project model and validates it as a whole:
/// project name, build defaults, env_file values folded into environment, bare environment keys
/// resolved, implicit `default` network, resource names (`<project>_<key>`), implicit
/// dependencies (links, network_mode/ipc/pid `service:X`, volumes_from), profiles; then undefined
/// references, dependency cycles, disabled dependencies, container_name with scale > 1, keys aic
/// refuses. Problems go to `diags`, notes to `warnings`; disabled services are moved out of
/// `services` into `disabled`.
void normalize_project(Node& model, const NormalizeContext& ctx, Diagnostics& diags,
                       std::vector<Diagnostic>& warnings, std::vector<std::string>& disabled);

/// The services `name` depends on, directly, from a normalized service (sorted).
std::vector<std::string> service_dependencies(const Node& service);

} // namespace aic::compose
