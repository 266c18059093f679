#pragma once

// Types of the container archive endpoints (`docker cp`): the path stat the engine sends in
// `X-Docker-Container-Path-Stat`, and the flags of an extraction.

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace aic::engine {

/// HEAD/GET /containers/{id}/archive: the stat of the path.
struct PathStat {
  std::string name;
  std::int64_t size = 0;
  std::uint32_t mode = 0;  ///< Go's os.FileMode bits (1<<31 directory, 1<<27 symlink, 0777 perms)
  std::string mtime;       ///< RFC 3339
  std::string link_target; ///< for a symlink: the target, resolved within the container

  bool operator==(const PathStat&) const = default;
};

/// PUT /containers/{id}/archive flags.
struct PutArchiveOptions {
  /// `copyUIDGID`: keep the archive's uid/gid (`docker cp -a`) instead of the container's root.
  bool copy_uid_gid = false;
  /// `noOverwriteDirNonDir`: refuse to replace a directory by a non-directory and the reverse.
  bool no_overwrite_dir_non_dir = true;
};

/// Decodes the `X-Docker-Container-Path-Stat` header (base64 of a JSON object).
Result<PathStat> decode_path_stat(std::string_view header);

} // namespace aic::engine
