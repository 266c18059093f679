#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::archive {

/// Receives tar bytes in order; returns an error to stop the writer (e.g. the socket failed).
/// No single call carries more than kTarChunkSize + 512 bytes.
using TarSink = std::function<Result<void>(std::string_view bytes)>;

/// The most file data read from disk or handed to the sink at once (64 KiB).
inline constexpr std::size_t kTarChunkSize = 64 * 1024;

/// Metadata of one archive entry. `name` is '/'-separated and relative (no leading '/', no
/// ".." component); directories need no trailing '/'. `mtime` is in seconds since the epoch.
struct TarEntryInfo {
  std::string name;
  std::uint32_t mode = 0644;
  std::uint32_t uid = 0, gid = 0;
  std::int64_t mtime = 0;
};

/// How add_path() archives what it finds.
struct AddPathOptions {
  /// Records the files' uid and gid (`docker cp -a`); otherwise they are 0.
  bool keep_ids = false;
};

/// Writes a POSIX (ustar + pax) tar stream into a sink, entry by entry, without holding file
/// contents in memory. Values that ustar cannot hold (names or link targets over 100 bytes,
/// sizes of 8 GiB and more, large ids, negative or far-future mtimes) go into pax records.
/// Once the sink fails or a file changes size while being read, the stream is broken: every
/// later call returns an error. Not thread-safe.
class TarWriter {
public:
  explicit TarWriter(TarSink sink);

  /// Adds a directory entry (stored as "name/").
  Result<void> add_directory(const TarEntryInfo& info);
  /// Adds a regular file whose (small) content is already in memory, e.g. a secret.
  Result<void> add_file(const TarEntryInfo& info, std::string_view content);
  /// Adds a regular file streamed from `path` in 64 KiB chunks; its size comes from fstat.
  /// A path that is missing or not a regular file fails before anything is written.
  Result<void> add_file_from_disk(const TarEntryInfo& info, const std::string& path);
  /// Adds a symbolic link pointing at `target` (stored as is, never resolved).
  Result<void> add_symlink(const TarEntryInfo& info, const std::string& target);
  /// Writes the two zero blocks that end the archive; any later call is an internal error.
  Result<void> finish();

  /// Bytes accepted by the sink so far.
  std::uint64_t bytes_written() const { return bytes_written_; }

private:
  friend Result<void> add_tree(TarWriter& writer, const std::string& root,
                               const std::function<bool(std::string_view, bool)>& skip);
  friend Result<void> add_path(TarWriter& writer, const std::string& path, const std::string& name,
                               const AddPathOptions& options);
  enum class State : std::uint8_t { Open, Finished, Failed };

  Result<void> check_open() const;
  /// Returns false, having written nothing, when `follow` is off and the file is gone.
  Result<bool> add_disk_file(const TarEntryInfo& info, const std::string& path, bool follow);
  Result<void> write_header(const TarEntryInfo& info, std::string_view name, char typeflag,
                            std::uint64_t size, std::string_view linkname);
  Result<void> write_data(std::string_view data);
  Result<void> write_padding(std::uint64_t size);
  Result<void> emit(std::string_view bytes);
  Result<void> fail(Error error);

  TarSink sink_;
  std::uint64_t bytes_written_ = 0;
  State state_ = State::Open;
  std::optional<Error> failure_;
  std::vector<char> buffer_; // reused for disk reads; at most kTarChunkSize + 512 bytes
};

/// Adds the tree under `root` (not the root itself) with names relative to it, sorted by name
/// so the same tree always gives the same bytes. `skip(relative_path, is_dir)` leaves an entry
/// out; a skipped directory is not descended into. Symlinks are stored as symlinks, regular
/// files are streamed, modes and mtimes come from lstat, uid/gid are 0 (as `docker build`
/// sends them). Sockets, FIFOs and devices are left out; entries that vanish while the tree is
/// walked are ignored.
Result<void> add_tree(TarWriter& writer, const std::string& root,
                      const std::function<bool(std::string_view, bool)>& skip);

/// Adds `path` (a file, a symlink stored as such, or a directory with everything under it,
/// sorted) as the entry `name`, as `docker cp` archives its source. An empty `name` adds only
/// what is inside the directory `path`, with names relative to it (`docker cp dir/. …`).
/// Sockets, FIFOs and devices inside a directory are left out; as `path` they are an error.
Result<void> add_path(TarWriter& writer, const std::string& path, const std::string& name,
                      const AddPathOptions& options = {});

} // namespace aic::archive
