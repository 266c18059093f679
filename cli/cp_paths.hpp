#pragma once

// The path rules of `docker cp`, which `aic cp` follows: how an argument names a service, and
// where a copy lands given what exists at the destination (moby's archive.PrepareArchiveCopy).

#include "core/result.hpp"

#include <string>
#include <string_view>

namespace aic::cli {

/// "web:/etc/hosts" → {"web", "/etc/hosts"}; an absolute path, a path without ':' or one
/// starting with '.' ("./a:b") is local: {"", arg}.
struct CpArg {
  std::string service;
  std::string path;
};
CpArg split_cp_arg(const std::string& arg);

/// Go's filepath.Clean: "a//b/./c/" → "a/b/c", "" → ".".
std::string clean_path(std::string_view path);
/// Go's filepath.Base: the last element, trailing slashes ignored ("/a/b/" → "b", "/" → "/").
std::string base_name(std::string_view path);
/// Go's filepath.Dir of the cleaned path ("/a/b" → "/a", "b" → ".", "/a" → "/").
std::string dir_name(std::string_view path);
/// moby's SplitPathDirEntry: "dir/." keeps "." as its base ({"dir", "."}).
std::pair<std::string, std::string> split_dir_entry(std::string_view path);
/// True when the path says it is a directory: it ends with '/' or "/." (or is ".").
bool asserts_directory(std::string_view path);

/// What is at a copy's source or destination.
struct CopyEnd {
  std::string path;
  bool exists = false;
  bool is_dir = false;
  /// Source only: the name to give the copy instead of the path's base (a followed symlink).
  std::string rebase_name;
};

/// Where and under which name a copy lands.
struct CopyPlan {
  std::string directory; ///< extracted into this directory
  /// The name of the copy's top entry there; "" when the source is a directory's contents
  /// ("dir/.") going into an existing directory.
  std::string name;
};

/// Decides as moby's PrepareArchiveCopy does: into an existing directory under the source's
/// name; over an existing file under the destination's name (a directory cannot replace a
/// file); to a missing path as that path (a file cannot create a directory named with a
/// trailing '/'). Errors are InvalidSpec with docker's wording.
Result<CopyPlan> plan_copy(const CopyEnd& source, const CopyEnd& destination);

} // namespace aic::cli
