#pragma once

#include "core/result.hpp"

#include <optional>
#include <string>
#include <vector>

namespace aic::store {

/// The desired state of each project aicd manages, one file per project under
/// `<state_dir>/<kind>/<name>.json`, each replaced atomically (temp file, fsync, rename,
/// fsync of the directory), so a crash leaves the old or the new file, never a torn one. It
/// holds only what Docker cannot: the inputs of the last `up` ("projects"), and the restart
/// history and budgets of aicd's supervision ("supervision"), each kind in its own directory.
/// Blocking: call it off the io_context.
class ProjectStore {
public:
  static constexpr std::size_t kMaxFileBytes = 64 * 1024 * 1024;

  explicit ProjectStore(std::string state_dir, std::string kind = "projects");

  /// Creates `<state_dir>/projects` (mode 0700) if needed; fails with a clear message when the
  /// directory cannot be created or written.
  Result<void> open();
  Result<void> save(const std::string& project, const std::string& content);
  /// nullopt when the project has no file.
  Result<std::optional<std::string>> load(const std::string& project) const;
  /// Removing a project that has no file is not an error.
  Result<void> remove(const std::string& project);
  /// The projects that have a file, sorted.
  Result<std::vector<std::string>> names() const;

  /// Whether `name` is a Compose project name ([a-z0-9][a-z0-9_-]*), so it is safe as a file name.
  static bool valid_name(const std::string& name);

  /// The file of `project` (for messages).
  std::string path_of(const std::string& project) const;

private:
  std::string dir_;
  std::string kind_;
};

} // namespace aic::store
