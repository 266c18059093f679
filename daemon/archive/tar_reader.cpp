#include "archive/tar_reader.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace aic::archive {
namespace {

constexpr std::size_t kBlockSize = 512;

struct Field {
  std::size_t offset;
  std::size_t width;
};
constexpr Field kName{0, 100};
constexpr Field kMode{100, 8};
constexpr Field kUid{108, 8};
constexpr Field kGid{116, 8};
constexpr Field kSize{124, 12};
constexpr Field kMtime{136, 12};
constexpr Field kChecksum{148, 8};
constexpr std::size_t kTypeflagOffset = 156;
constexpr Field kLinkname{157, 100};
constexpr Field kMagic{257, 6};
constexpr Field kVersion{263, 2};
constexpr Field kPrefix{345, 155};

std::string_view field(const std::array<char, 512>& block, Field f) {
  return {block.data() + f.offset, f.width};
}

/// A NUL-terminated (or full-width) string field.
std::string text_field(const std::array<char, 512>& block, Field f) {
  std::string_view v = field(block, f);
  std::size_t nul = v.find('\0');
  return std::string(v.substr(0, nul));
}

/// Octal with leading/trailing spaces and NULs, or GNU base-256 (high bit of the first byte set),
/// as Go's archive/tar reads them. nullopt when malformed or out of range.
std::optional<std::int64_t> parse_numeric(std::string_view b) {
  if (!b.empty() && (static_cast<unsigned char>(b[0]) & 0x80U) != 0) {
    const unsigned char inv = (static_cast<unsigned char>(b[0]) & 0x40U) != 0 ? 0xff : 0x00;
    std::uint64_t x = 0;
    for (std::size_t i = 0; i < b.size(); ++i) {
      auto c = static_cast<unsigned char>(static_cast<unsigned char>(b[i]) ^ inv);
      if (i == 0) {
        c &= 0x7fU;
      }
      if ((x >> 56U) != 0) {
        return std::nullopt;
      }
      x = (x << 8U) | c;
    }
    if ((x >> 63U) != 0) {
      return std::nullopt;
    }
    return inv == 0xff ? ~static_cast<std::int64_t>(x) : static_cast<std::int64_t>(x);
  }
  while (!b.empty() && (b.front() == ' ' || b.front() == '\0')) {
    b.remove_prefix(1);
  }
  while (!b.empty() && (b.back() == ' ' || b.back() == '\0')) {
    b.remove_suffix(1);
  }
  std::uint64_t x = 0;
  for (char c : b) {
    if (c < '0' || c > '7') {
      return std::nullopt;
    }
    if (x > (std::numeric_limits<std::uint64_t>::max() >> 3U)) {
      return std::nullopt;
    }
    x = x * 8 + static_cast<std::uint64_t>(c - '0');
  }
  if (x > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(x);
}

/// A decimal pax value; mtime may carry a fraction (dropped) and a sign.
std::optional<std::int64_t> parse_decimal(std::string_view v, bool allow_fraction) {
  bool negative = false;
  if (allow_fraction && !v.empty() && v.front() == '-') {
    negative = true;
    v.remove_prefix(1);
  }
  if (allow_fraction) {
    v = v.substr(0, v.find('.'));
  }
  if (v.empty() || v.size() > 18) {
    return std::nullopt;
  }
  std::int64_t x = 0;
  for (char c : v) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    x = x * 10 + (c - '0');
  }
  return negative ? -x : x;
}

bool all_zero(const std::array<char, 512>& block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == '\0'; });
}

bool checksum_matches(const std::array<char, 512>& block) {
  std::optional<std::int64_t> stored = parse_numeric(field(block, kChecksum));
  if (!stored) {
    return false;
  }
  std::int64_t unsigned_sum = 0;
  std::int64_t signed_sum = 0;
  for (std::size_t i = 0; i < block.size(); ++i) {
    const bool in_field = i >= kChecksum.offset && i < kChecksum.offset + kChecksum.width;
    const char c = in_field ? ' ' : block[i];
    unsigned_sum += static_cast<unsigned char>(c);
    signed_sum += static_cast<signed char>(c);
  }
  return *stored == unsigned_sum || *stored == signed_sum;
}

std::string quoted(std::string_view name) {
  return "\"" + std::string(name.substr(0, 256)) + (name.size() > 256 ? "...\"" : "\"");
}

} // namespace

TarReader::TarReader(TarEntryHandler& handler) : handler_(handler) {}

Result<void> TarReader::fail(Error error) {
  state_ = State::Failed;
  failure_ = error;
  return error;
}

Result<void> TarReader::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    switch (state_) {
    case State::Failed:
      return *failure_;
    case State::Ended:
      return {}; // the second zero block and record padding
    case State::Header: {
      const std::size_t n = std::min(bytes.size(), kBlockSize - block_fill_);
      std::memcpy(block_.data() + block_fill_, bytes.data(), n);
      block_fill_ += n;
      bytes.remove_prefix(n);
      if (block_fill_ == kBlockSize) {
        block_fill_ = 0;
        if (Result<void> ok = on_header(); !ok) {
          return ok;
        }
      }
      break;
    }
    case State::Data:
    case State::Extended: {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), remaining_));
      std::string_view piece = bytes.substr(0, n);
      bytes.remove_prefix(n);
      remaining_ -= n;
      if (state_ == State::Extended) {
        extended_data_.append(piece);
      } else if (n > 0) {
        if (Result<void> ok = handler_.entry_data(piece); !ok) {
          return fail(std::move(ok).error());
        }
      }
      if (remaining_ == 0) {
        if (state_ == State::Extended) {
          if (extended_ == Extended::Pax) {
            if (Result<void> ok = parse_pax(extended_data_); !ok) {
              return fail(std::move(ok).error());
            }
          } else if (extended_ == Extended::LongName || extended_ == Extended::LongLink) {
            std::string value = extended_data_.substr(0, extended_data_.find('\0'));
            if (extended_ == Extended::LongName) {
              next_path_ = std::move(value);
              has_next_path_ = true;
            } else {
              next_linkpath_ = std::move(value);
              has_next_linkpath_ = true;
            }
          }
          extended_data_.clear();
          extended_ = Extended::None;
        } else {
          in_entry_ = false;
          if (Result<void> ok = handler_.end_entry(); !ok) {
            return fail(std::move(ok).error());
          }
        }
        state_ = padding_ > 0 ? State::Padding : State::Header;
      }
      break;
    }
    case State::Padding: {
      const std::size_t n =
          static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), padding_));
      bytes.remove_prefix(n);
      padding_ -= n;
      if (padding_ == 0) {
        state_ = State::Header;
      }
      break;
    }
    }
  }
  return {};
}

Result<void> TarReader::finish() {
  switch (state_) {
  case State::Ended:
    return {};
  case State::Failed:
    return *failure_;
  case State::Header:
    if (block_fill_ == 0 && !has_next_path_ && !has_next_linkpath_ && pax_size_.empty()) {
      return fail(Error(ErrorCode::InvalidSpec, "truncated tar archive: it ends after " +
                                                    std::to_string(entries_) +
                                                    " entries without the end-of-archive marker"));
    }
    break;
  default:
    break;
  }
  return fail(Error(ErrorCode::InvalidSpec,
                    current_name_.empty()
                        ? std::string("truncated tar archive: it ends inside a header")
                        : "truncated tar archive: it ends inside entry " + quoted(current_name_)));
}

Result<void> TarReader::on_header() {
  if (all_zero(block_)) {
    state_ = State::Ended;
    return {};
  }
  const std::string raw_name = text_field(block_, kName);
  current_name_ = raw_name;
  if (!checksum_matches(block_)) {
    return fail(Error(ErrorCode::InvalidSpec, "invalid tar header (bad checksum) after " +
                                                  std::to_string(entries_) + " entries"));
  }
  const char typeflag = block_[kTypeflagOffset];
  std::optional<std::int64_t> size = parse_numeric(field(block_, kSize));
  std::optional<std::int64_t> mode = parse_numeric(field(block_, kMode));
  std::optional<std::int64_t> uid = parse_numeric(field(block_, kUid));
  std::optional<std::int64_t> gid = parse_numeric(field(block_, kGid));
  std::optional<std::int64_t> mtime = parse_numeric(field(block_, kMtime));
  if (!size || *size < 0 || !mode || !uid || !gid || !mtime) {
    return fail(Error(ErrorCode::InvalidSpec,
                      "invalid tar header for " + quoted(raw_name) + ": malformed numeric field"));
  }
  auto data_size = static_cast<std::uint64_t>(*size);
  if (!pax_size_.empty()) {
    std::optional<std::int64_t> v = parse_decimal(pax_size_, false);
    if (!v || *v < 0) {
      return fail(Error(ErrorCode::InvalidSpec, "invalid pax size for " + quoted(raw_name)));
    }
    data_size = static_cast<std::uint64_t>(*v);
  }

  extended_ = typeflag == 'x'   ? Extended::Pax
              : typeflag == 'g' ? Extended::GlobalPax
              : typeflag == 'L' ? Extended::LongName
              : typeflag == 'K' ? Extended::LongLink
                                : Extended::None;
  if (extended_ != Extended::None) {
    if (data_size > kMaxExtendedHeader) {
      return fail(Error(ErrorCode::InvalidSpec,
                        "tar extended header of " + std::to_string(data_size) +
                            " bytes is over the limit of " + std::to_string(kMaxExtendedHeader)));
    }
    extended_data_.clear();
    remaining_ = data_size;
    padding_ = (kBlockSize - data_size % kBlockSize) % kBlockSize;
    state_ = remaining_ > 0 ? State::Extended : (padding_ > 0 ? State::Padding : State::Header);
    if (remaining_ == 0) {
      extended_ = Extended::None;
    }
    return {};
  }

  TarEntry entry;
  entry.typeflag = typeflag;
  switch (typeflag) {
  case '0':
  case '\0':
  case '7':
    entry.type = TarEntryType::File;
    break;
  case '1':
    entry.type = TarEntryType::Hardlink;
    break;
  case '2':
    entry.type = TarEntryType::Symlink;
    break;
  case '5':
    entry.type = TarEntryType::Directory;
    break;
  default:
    entry.type = TarEntryType::Other;
    break;
  }
  // Header-only types carry no data whatever their size field says (as Go's reader has it).
  const bool header_only = typeflag == '1' || typeflag == '2' || typeflag == '3' ||
                           typeflag == '4' || typeflag == '5' || typeflag == '6';
  if (header_only) {
    data_size = 0;
  }

  std::string name = raw_name;
  const std::string_view magic = field(block_, kMagic);
  const std::string_view version = field(block_, kVersion);
  const bool posix_ustar = magic == std::string_view("ustar\0", 6) && version == "00";
  if (posix_ustar) {
    std::string prefix = text_field(block_, kPrefix);
    if (!prefix.empty()) {
      name = prefix + "/" + name;
    }
  }
  if (has_next_path_) {
    name = next_path_;
  }
  entry.link_target = has_next_linkpath_ ? next_linkpath_ : text_field(block_, kLinkname);
  // A V7 archive marks directories with a trailing '/' on a regular-file entry.
  if (entry.type == TarEntryType::File && !name.empty() && name.back() == '/') {
    entry.type = TarEntryType::Directory;
    data_size = 0;
  }
  while (name.size() > 1 && name.back() == '/') {
    name.pop_back();
  }
  if (name.empty()) {
    return fail(Error(ErrorCode::InvalidSpec,
                      "tar entry " + std::to_string(entries_ + 1) + " has an empty name"));
  }
  if (name.find('\0') != std::string::npos || entry.link_target.find('\0') != std::string::npos) {
    return fail(Error(ErrorCode::InvalidSpec, "tar entry " + quoted(name) + " contains NUL"));
  }
  entry.name = std::move(name);
  entry.mode = static_cast<std::uint32_t>(*mode) & 07777U;
  entry.uid = static_cast<std::uint32_t>(*uid);
  entry.gid = static_cast<std::uint32_t>(*gid);
  entry.mtime = *mtime;
  if (!pax_uid_.empty()) {
    std::optional<std::int64_t> v = parse_decimal(pax_uid_, false);
    if (!v) {
      return fail(Error(ErrorCode::InvalidSpec, "invalid pax uid for " + quoted(entry.name)));
    }
    entry.uid = static_cast<std::uint32_t>(*v);
  }
  if (!pax_gid_.empty()) {
    std::optional<std::int64_t> v = parse_decimal(pax_gid_, false);
    if (!v) {
      return fail(Error(ErrorCode::InvalidSpec, "invalid pax gid for " + quoted(entry.name)));
    }
    entry.gid = static_cast<std::uint32_t>(*v);
  }
  if (!pax_mtime_.empty()) {
    std::optional<std::int64_t> v = parse_decimal(pax_mtime_, true);
    if (!v) {
      return fail(Error(ErrorCode::InvalidSpec, "invalid pax mtime for " + quoted(entry.name)));
    }
    entry.mtime = *v;
  }
  entry.size = entry.type == TarEntryType::File ? data_size : 0;
  has_next_path_ = has_next_linkpath_ = false;
  next_path_.clear();
  next_linkpath_.clear();
  pax_size_.clear();
  pax_mtime_.clear();
  pax_uid_.clear();
  pax_gid_.clear();
  current_name_ = entry.name;

  ++entries_;
  in_entry_ = true;
  if (Result<void> ok = handler_.begin_entry(entry); !ok) {
    return fail(std::move(ok).error());
  }
  remaining_ = data_size;
  padding_ = (kBlockSize - data_size % kBlockSize) % kBlockSize;
  if (remaining_ > 0) {
    // Data of an entry that is not a file (an unknown type) is read and dropped.
    state_ = State::Data;
    if (entry.type != TarEntryType::File) {
      state_ = State::Padding;
      padding_ += remaining_;
      remaining_ = 0;
      in_entry_ = false;
      if (Result<void> ok = handler_.end_entry(); !ok) {
        return fail(std::move(ok).error());
      }
    }
    return {};
  }
  in_entry_ = false;
  if (Result<void> ok = handler_.end_entry(); !ok) {
    return fail(std::move(ok).error());
  }
  state_ = State::Header;
  return {};
}

Result<void> TarReader::parse_pax(std::string_view records) {
  while (!records.empty()) {
    const std::size_t space = records.find(' ');
    if (space == std::string_view::npos || space == 0 || space > 20) {
      return Error(ErrorCode::InvalidSpec,
                   "malformed pax record in the header of the entry after " +
                       std::to_string(entries_) + " entries");
    }
    std::optional<std::int64_t> length = parse_decimal(records.substr(0, space), false);
    if (!length || *length <= static_cast<std::int64_t>(space) + 1 ||
        static_cast<std::uint64_t>(*length) > records.size() ||
        records[static_cast<std::size_t>(*length) - 1] != '\n') {
      return Error(ErrorCode::InvalidSpec,
                   "malformed pax record in the header of the entry after " +
                       std::to_string(entries_) + " entries");
    }
    std::string_view record =
        records.substr(space + 1, static_cast<std::size_t>(*length) - space - 2);
    records.remove_prefix(static_cast<std::size_t>(*length));
    const std::size_t eq = record.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Error(ErrorCode::InvalidSpec,
                   "malformed pax record \"" + std::string(record.substr(0, 64)) + "\"");
    }
    std::string_view key = record.substr(0, eq);
    std::string_view value = record.substr(eq + 1);
    if (key == "path") {
      next_path_ = std::string(value);
      has_next_path_ = true;
    } else if (key == "linkpath") {
      next_linkpath_ = std::string(value);
      has_next_linkpath_ = true;
    } else if (key == "size") {
      pax_size_ = std::string(value);
    } else if (key == "mtime") {
      pax_mtime_ = std::string(value);
    } else if (key == "uid") {
      pax_uid_ = std::string(value);
    } else if (key == "gid") {
      pax_gid_ = std::string(value);
    }
    // Other keys (atime, ctime, uname, gname, xattrs, comments) do not matter here.
  }
  return {};
}

} // namespace aic::archive
