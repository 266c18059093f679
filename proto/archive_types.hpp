#pragma once

// `aic cp`'s wire types: what `GET /v1/projects/{name}/archive/stat` answers.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace aic::proto {

/// A path in a container as the engine stats it (`X-Docker-Container-Path-Stat`).
struct PathStat {
  std::string name;
  std::int64_t size = 0;
  /// Go's os.FileMode bits: permissions in 0777, kModeDir, kModeSymlink, …
  std::uint32_t mode = 0;
  std::string mtime;       ///< RFC 3339
  std::string link_target; ///< for a symlink: its target, resolved to an absolute path

  static constexpr std::uint32_t kModeDir = 1U << 31U;
  static constexpr std::uint32_t kModeSymlink = 1U << 27U;
  bool is_dir() const { return (mode & kModeDir) != 0; }
  bool is_symlink() const { return (mode & kModeSymlink) != 0; }
  /// Neither a directory nor a symlink nor another special file.
  bool is_regular() const;

  bool operator==(const PathStat&) const = default;
};

/// One container a cp request addresses, and the path's stat there (nullopt: no such path).
struct ArchiveTarget {
  std::string container; ///< its name
  std::string service;
  int number = 0;
  bool oneoff = false;
  std::optional<PathStat> stat;

  bool operator==(const ArchiveTarget&) const = default;
};

void to_json(nlohmann::json& j, const PathStat& v);
void from_json(const nlohmann::json& j, PathStat& v);
void to_json(nlohmann::json& j, const ArchiveTarget& v);
void from_json(const nlohmann::json& j, ArchiveTarget& v);

} // namespace aic::proto
