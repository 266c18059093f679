#pragma once

// A push parser for tar streams (ustar, pax and GNU long names), fed in pieces of any size as
// they arrive, so a tar of any size passes through in bounded memory.

#include "core/result.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aic::archive {

enum class TarEntryType : std::uint8_t {
  File,      ///< '0', '\0', '7' (contiguous file)
  Directory, ///< '5'
  Symlink,   ///< '2'
  Hardlink,  ///< '1': link_target names an earlier entry of the archive
  Other,     ///< devices, FIFOs and types this reader does not know: data skipped
};

/// One entry as the archive describes it, after pax records and GNU long names were applied.
struct TarEntry {
  std::string name; ///< as stored, '/'-separated, without a trailing '/' (may be "." or absolute)
  TarEntryType type = TarEntryType::File;
  char typeflag = '0';
  std::uint32_t mode = 0; ///< permission bits (07777)
  std::uint32_t uid = 0, gid = 0;
  std::int64_t mtime = 0; ///< seconds since the epoch
  std::uint64_t size = 0; ///< bytes of data that follow (File only; 0 for the others)
  std::string link_target;
};

/// Receives the entries of a TarReader in order: begin_entry, then entry_data with the file's
/// bytes in pieces (never for non-files), then end_entry. An error stops the reader.
class TarEntryHandler {
public:
  virtual ~TarEntryHandler() = default;
  virtual Result<void> begin_entry(const TarEntry& entry) = 0;
  virtual Result<void> entry_data(std::string_view bytes) = 0;
  virtual Result<void> end_entry() = 0;
};

/// Parses a tar stream fed with feed() in pieces of any size. Headers are checked (checksum,
/// numeric fields, pax records); a pax header or GNU long name is held in memory up to
/// kMaxExtendedHeader bytes, file data never. The stream ends at the first zero block; what
/// follows (the second zero block, record padding) is ignored. Errors are InvalidSpec and name
/// the entry; once one is returned, every later call returns it again. Not thread-safe.
class TarReader {
public:
  /// The largest pax header or GNU long name accepted.
  static constexpr std::size_t kMaxExtendedHeader = 1024 * 1024;

  explicit TarReader(TarEntryHandler& handler);

  /// Parses `bytes` (the next piece of the stream).
  Result<void> feed(std::string_view bytes);
  /// The input ended: an error when it stopped inside an entry or before the end-of-archive
  /// marker (a truncated archive).
  Result<void> finish();
  /// True once the end-of-archive marker was read.
  bool ended() const { return state_ == State::Ended; }
  /// Entries delivered so far.
  std::uint64_t entries() const { return entries_; }

private:
  enum class State : std::uint8_t { Header, Data, Padding, Extended, Ended, Failed };
  /// What the data of the current header is.
  enum class Extended : std::uint8_t { None, Pax, GlobalPax, LongName, LongLink };

  Result<void> on_header();
  Result<void> start_entry(TarEntry entry);
  Result<void> parse_pax(std::string_view records);
  Result<void> fail(Error error);

  TarEntryHandler& handler_;
  State state_ = State::Header;
  std::array<char, 512> block_{};
  std::size_t block_fill_ = 0;
  std::uint64_t remaining_ = 0; ///< data bytes left in the current entry
  std::uint64_t padding_ = 0;   ///< padding bytes left after it
  Extended extended_ = Extended::None;
  std::string extended_data_;
  bool in_entry_ = false; ///< begin_entry was called, end_entry not yet
  std::uint64_t entries_ = 0;
  std::string current_name_; ///< for error messages
  // Overrides for the next entry, from pax records and GNU long names.
  std::string next_path_;
  std::string next_linkpath_;
  bool has_next_path_ = false;
  bool has_next_linkpath_ = false;
  std::string pax_size_, pax_mtime_, pax_uid_, pax_gid_;
  std::optional<Error> failure_;
};

} // namespace aic::archive
