#pragma once

// Extraction of a tar stream into a directory, as `docker cp` extracts what it copies out of a
// container: regular files, directories, symlinks and hard links with their modes and mtimes.

#include "archive/tar_reader.hpp"
#include "core/result.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aic::archive {

struct ExtractOptions {
  /// Renames the archive's top-level entry `rebase_from` (and everything under it) to
  /// `rebase_to`, as `docker cp` does when the destination names the copy. Single path
  /// components; empty: names are kept.
  std::string rebase_from;
  std::string rebase_to;
};

/// Extracts a tar stream, fed in pieces, under an existing directory. Entry names are cleaned
/// ("./a//b" is "a/b"); a name that is absolute or has a ".." component is refused, and so is a
/// relative symlink or a hard link whose target would leave the destination. Nothing is ever
/// written through a symlink: every path is walked component by component without following
/// links, so an archive cannot plant a link and then write through it. An existing file is
/// replaced; a directory is merged into an existing directory; replacing a directory by a
/// non-directory (or the reverse) is refused, as `docker cp` does. Devices, FIFOs and unknown
/// entry types are skipped and listed in skipped(). Ownership is not changed (the files belong
/// to the caller). Directory modes and mtimes are applied at finish(), after their contents.
/// Errors are InvalidSpec (a bad or hostile archive) or the system's (NotFound, Internal), and
/// name the entry. Not thread-safe.
class TarExtractor final : private TarEntryHandler {
public:
  /// Opens `destination`, which must be an existing directory.
  static Result<std::unique_ptr<TarExtractor>> open(const std::string& destination,
                                                    ExtractOptions options = {});
  ~TarExtractor() override;
  TarExtractor(const TarExtractor&) = delete;
  TarExtractor& operator=(const TarExtractor&) = delete;

  /// Extracts what `bytes` completes.
  Result<void> feed(std::string_view bytes);
  /// The input ended: an error when the archive was truncated; then applies directory metadata.
  Result<void> finish();

  /// Names of the entries left out (devices, FIFOs, unknown types).
  const std::vector<std::string>& skipped() const { return skipped_; }

private:
  struct DirectoryTimes {
    std::string path; ///< relative to the destination; "" for the destination itself
    std::uint32_t mode;
    std::int64_t mtime;
  };

  TarExtractor(int root_fd, ExtractOptions options);

  Result<void> begin_entry(const TarEntry& entry) override;
  Result<void> entry_data(std::string_view bytes) override;
  Result<void> end_entry() override;

  /// The cleaned, rebased, checked relative name of an entry; "" for the destination itself.
  Result<std::string> target_name(std::string_view name) const;
  /// A descriptor of the directory holding `path` (created as needed unless `create` is off),
  /// walked without following symlinks, and the last component.
  Result<std::pair<int, std::string>> open_parent(const std::string& path, bool create) const;

  int root_fd_ = -1;
  ExtractOptions options_;
  TarReader reader_;
  int file_fd_ = -1;      ///< the regular file being written
  std::string file_name_; ///< its cleaned name
  std::uint32_t file_mode_ = 0;
  std::int64_t file_mtime_ = 0;
  std::vector<DirectoryTimes> directories_;
  std::vector<std::string> skipped_;
};

} // namespace aic::archive
