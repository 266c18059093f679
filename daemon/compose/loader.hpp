#pragma once

#include "compose/file_source.hpp"
#include "compose/node.hpp"
#include "core/result.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace aic::compose {

/// Everything `docker compose` reads from its command line and environment to load a project.
struct LoadOptions {
  std::vector<std::string> files; ///< -f, in order; empty: COMPOSE_FILE or discovery
  std::string working_dir;        ///< absolute; where relative flags and discovery start
  std::optional<std::string> project_directory;   ///< --project-directory
  std::optional<std::string> project_name;        ///< -p
  std::vector<std::string> env_files;             ///< --env-file, in order
  std::vector<std::string> profiles;              ///< --profile
  std::vector<std::string> services;              ///< services named on the command line
  std::map<std::string, std::string> environment; ///< the caller's OS environment
  bool interpolate = true;                        ///< false for --no-interpolate
};

/// A loaded, merged, canonical and validated project.
struct LoadedProject {
  std::string name;
  std::string working_dir;               ///< the project directory
  std::vector<std::string> config_files; ///< absolute paths, in merge order
  std::vector<std::string> env_files;    ///< the .env / --env-file files that were read
  /// The interpolation environment (OS over .env), restricted to the variables the compose
  /// files and their env files referenced; unset references are absent.
  std::map<std::string, std::string> environment;
  /// The canonical model, shaped like `docker compose config` prints it: `name`, `services`
  /// (enabled ones only), `networks`, `volumes`, `secrets`, `configs`, and `x-*` extensions.
  Node model;
  std::vector<std::string> disabled_services; ///< disabled by profiles, sorted
  std::vector<std::string> profiles;          ///< every profile a service declares, sorted
  std::vector<std::string> warnings;          ///< sorted, formatted like errors
};

/// Loads a project as `docker compose` v2 would: environment (OS > --env-file or .env), file
/// discovery, per-file YAML decoding, interpolation, schema validation, canonical long syntax,
/// include, extends, merge of every -f file, then normalization (names, default network,
/// implicit dependencies, paths), profiles and whole-project validation. Every problem found is
/// reported in one Error(InvalidSpec) whose details name `file:line:col: key.path: message`.
Result<LoadedProject> load_project(const LoadOptions& options, const FileSource& files);

/// Lowercases and drops characters outside [a-z0-9_-], then leading '_' and '-': the name a
/// directory or `name:` becomes.
std::string normalize_project_name(std::string_view raw);

} // namespace aic::compose
