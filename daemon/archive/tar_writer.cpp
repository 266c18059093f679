#include "archive/tar_writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace aic::archive {
namespace {

constexpr std::size_t kBlockSize = 512;
constexpr std::size_t kNameFieldSize = 100;
constexpr std::uint64_t kMaxOctal7 = 07777777;         // mode, uid, gid fields
constexpr std::uint64_t kMaxOctal11 = 077777777777ULL; // size, mtime fields (8 GiB - 1)
constexpr std::array<char, 2 * kBlockSize> kZeros{};

// ustar header field offsets and widths (POSIX.1-2001, pax interchange format).
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
constexpr Field kDevmajor{329, 8};
constexpr Field kDevminor{337, 8};

using Block = std::array<char, kBlockSize>;

Error errno_error(int err, const std::string& what) {
  ErrorCode code = ErrorCode::Internal;
  if (err == ENOENT || err == ENOTDIR) {
    code = ErrorCode::NotFound;
  } else if (err == EACCES || err == EPERM || err == ELOOP) {
    code = ErrorCode::InvalidSpec;
  }
  return Error(code, what + ": " + std::generic_category().message(err));
}

/// Closes the descriptor it owns.
class UniqueFd {
public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  int get() const { return fd_; }

private:
  int fd_;
};

/// Closes the directory stream it owns.
class UniqueDir {
public:
  explicit UniqueDir(DIR* dir) : dir_(dir) {}
  UniqueDir(const UniqueDir&) = delete;
  UniqueDir& operator=(const UniqueDir&) = delete;
  ~UniqueDir() {
    if (dir_ != nullptr) {
      ::closedir(dir_);
    }
  }
  DIR* get() const { return dir_; }

private:
  DIR* dir_;
};

void put_bytes(Block& block, Field field, std::string_view value) {
  if (value.empty()) {
    return; // memcpy from an empty view's null data() is undefined
  }
  std::memcpy(block.data() + field.offset, value.data(), std::min(value.size(), field.width));
}

/// Zero-padded octal with a trailing NUL; the caller has checked that `value` fits.
void put_octal(Block& block, Field field, std::uint64_t value) {
  char* out = block.data() + field.offset;
  std::size_t digits = field.width - 1;
  for (std::size_t i = digits; i-- > 0;) {
    out[i] = static_cast<char>('0' + (value & 7U));
    value >>= 3U;
  }
  out[digits] = '\0';
}

std::size_t decimal_digits(std::size_t n) {
  std::size_t digits = 1;
  while (n >= 10) {
    n /= 10;
    ++digits;
  }
  return digits;
}

/// Appends one "<length> key=value\n" record; the length counts itself.
void append_pax_record(std::string& out, std::string_view key, std::string_view value) {
  std::size_t body = 1 + key.size() + 1 + value.size() + 1; // " key=value\n"
  std::size_t total = body + decimal_digits(body);
  while (body + decimal_digits(total) != total) {
    total = body + decimal_digits(total);
  }
  out += std::to_string(total);
  out += ' ';
  out += key;
  out += '=';
  out += value;
  out += '\n';
}

/// Name of the pax header entry; only readers that ignore pax see it.
std::string pax_header_name(std::string_view name) {
  while (!name.empty() && name.back() == '/') {
    name.remove_suffix(1);
  }
  if (auto slash = name.rfind('/'); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string out = "PaxHeaders.0/";
  out += name.substr(0, kNameFieldSize - out.size());
  return out;
}

Result<void> validate_name(std::string_view name) {
  if (name.empty()) {
    return unexpected(Error(ErrorCode::InvalidSpec, "tar entry name is empty"));
  }
  if (name.find('\0') != std::string_view::npos) {
    return unexpected(Error(ErrorCode::InvalidSpec, "tar entry name contains a NUL byte"));
  }
  if (name.front() == '/') {
    return unexpected(
        Error(ErrorCode::InvalidSpec, "tar entry name '" + std::string(name) + "' is absolute"));
  }
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) {
      end = name.size();
    }
    if (name.substr(start, end - start) == "..") {
      return unexpected(Error(ErrorCode::InvalidSpec,
                              "tar entry name '" + std::string(name) + "' contains '..'"));
    }
    start = end + 1;
  }
  return {};
}

Result<void> validate_file_name(std::string_view name) {
  if (auto ok = validate_name(name); !ok) {
    return ok;
  }
  if (name.back() == '/') {
    return unexpected(
        Error(ErrorCode::InvalidSpec, "tar entry name '" + std::string(name) + "' ends with '/'"));
  }
  return {};
}

std::string context_for(std::string_view name) {
  return "adding '" + std::string(name) + "' to tar archive";
}

} // namespace

TarWriter::TarWriter(TarSink sink) : sink_(std::move(sink)) {}

Result<void> TarWriter::check_open() const {
  if (state_ == State::Finished) {
    return unexpected(Error(ErrorCode::Internal, "tar archive is already finished"));
  }
  if (state_ == State::Failed) {
    Error copy = *failure_;
    return unexpected(std::move(copy).with_context("tar stream failed earlier"));
  }
  return {};
}

Result<void> TarWriter::fail(Error error) {
  state_ = State::Failed;
  failure_ = error;
  return unexpected(std::move(error));
}

Result<void> TarWriter::emit(std::string_view bytes) {
  if (bytes.empty()) {
    return {};
  }
  auto sent = sink_(bytes);
  if (!sent) {
    return fail(std::move(sent).error());
  }
  bytes_written_ += bytes.size();
  return {};
}

Result<void> TarWriter::write_data(std::string_view data) {
  while (!data.empty()) {
    std::string_view chunk = data.substr(0, kTarChunkSize);
    if (auto ok = emit(chunk); !ok) {
      return ok;
    }
    data.remove_prefix(chunk.size());
  }
  return {};
}

Result<void> TarWriter::write_padding(std::uint64_t size) {
  std::size_t pad = (kBlockSize - size % kBlockSize) % kBlockSize;
  return emit(std::string_view(kZeros.data(), pad));
}

Result<void> TarWriter::write_header(const TarEntryInfo& info, std::string_view name, char typeflag,
                                     std::uint64_t size, std::string_view linkname) {
  bool mtime_fits = info.mtime >= 0 && static_cast<std::uint64_t>(info.mtime) <= kMaxOctal11;
  std::string pax;
  if (name.size() > kNameFieldSize) {
    append_pax_record(pax, "path", name);
  }
  if (linkname.size() > kLinkname.width) {
    append_pax_record(pax, "linkpath", linkname);
  }
  if (size > kMaxOctal11) {
    append_pax_record(pax, "size", std::to_string(size));
  }
  if (info.uid > kMaxOctal7) {
    append_pax_record(pax, "uid", std::to_string(info.uid));
  }
  if (info.gid > kMaxOctal7) {
    append_pax_record(pax, "gid", std::to_string(info.gid));
  }
  if (!mtime_fits) {
    append_pax_record(pax, "mtime", std::to_string(info.mtime));
  }

  auto make_block = [&](std::string_view block_name, char flag, std::uint64_t block_size,
                        std::uint32_t mode, std::string_view link) {
    Block block{};
    put_bytes(block, kName, block_name);
    put_octal(block, kMode, mode & 07777U);
    put_octal(block, kUid, info.uid <= kMaxOctal7 ? info.uid : 0);
    put_octal(block, kGid, info.gid <= kMaxOctal7 ? info.gid : 0);
    put_octal(block, kSize, block_size <= kMaxOctal11 ? block_size : 0);
    put_octal(block, kMtime, mtime_fits ? static_cast<std::uint64_t>(info.mtime) : 0);
    block[kTypeflagOffset] = flag;
    put_bytes(block, kLinkname, link);
    put_bytes(block, kMagic, std::string_view("ustar\0", 6));
    put_bytes(block, kVersion, "00");
    put_octal(block, kDevmajor, 0);
    put_octal(block, kDevminor, 0);
    // The checksum is computed with its own field read as eight spaces.
    std::memset(block.data() + kChecksum.offset, ' ', kChecksum.width);
    std::uint64_t sum = 0;
    for (char c : block) {
      sum += static_cast<unsigned char>(c);
    }
    put_octal(block, Field{kChecksum.offset, 7}, sum);
    return block;
  };

  if (!pax.empty()) {
    Block pax_block = make_block(pax_header_name(name), 'x', pax.size(), 0644, {});
    if (auto ok = emit(std::string_view(pax_block.data(), pax_block.size())); !ok) {
      return ok;
    }
    if (auto ok = write_data(pax); !ok) {
      return ok;
    }
    if (auto ok = write_padding(pax.size()); !ok) {
      return ok;
    }
  }
  Block block = make_block(name, typeflag, size, info.mode, linkname);
  return emit(std::string_view(block.data(), block.size()));
}

Result<void> TarWriter::add_directory(const TarEntryInfo& info) {
  if (auto ok = check_open(); !ok) {
    return ok;
  }
  if (auto ok = validate_name(info.name); !ok) {
    return ok;
  }
  std::string name = info.name;
  while (!name.empty() && name.back() == '/') {
    name.pop_back();
  }
  name += '/';
  if (auto ok = write_header(info, name, '5', 0, {}); !ok) {
    return unexpected(std::move(ok).error().with_context(context_for(info.name)));
  }
  return {};
}

Result<void> TarWriter::add_file(const TarEntryInfo& info, std::string_view content) {
  if (auto ok = check_open(); !ok) {
    return ok;
  }
  if (auto ok = validate_file_name(info.name); !ok) {
    return ok;
  }
  Result<void> ok = write_header(info, info.name, '0', content.size(), {});
  if (ok) {
    ok = write_data(content);
  }
  if (ok) {
    ok = write_padding(content.size());
  }
  if (!ok) {
    return unexpected(std::move(ok).error().with_context(context_for(info.name)));
  }
  return {};
}

Result<void> TarWriter::add_file_from_disk(const TarEntryInfo& info, const std::string& path) {
  auto added = add_disk_file(info, path, /*follow=*/true);
  if (!added) {
    return unexpected(std::move(added).error());
  }
  return {};
}

Result<bool> TarWriter::add_disk_file(const TarEntryInfo& info, const std::string& path,
                                      bool follow) {
  if (auto ok = check_open(); !ok) {
    return unexpected(std::move(ok).error());
  }
  if (auto ok = validate_file_name(info.name); !ok) {
    return unexpected(std::move(ok).error());
  }
  // O_NONBLOCK keeps a FIFO swapped in for the file from blocking the open.
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | (follow ? 0 : O_NOFOLLOW);
  UniqueFd fd(::open(path.c_str(), flags));
  if (fd.get() < 0) {
    int err = errno;
    if (!follow && err == ENOENT) {
      return false;
    }
    return unexpected(errno_error(err, "cannot open " + path).with_context(context_for(info.name)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return unexpected(
        errno_error(errno, "cannot stat " + path).with_context(context_for(info.name)));
  }
  if (!S_ISREG(st.st_mode)) {
    return unexpected(Error(ErrorCode::InvalidSpec, path + " is not a regular file")
                          .with_context(context_for(info.name)));
  }

  auto size = static_cast<std::uint64_t>(st.st_size);
  auto stream = [&]() -> Result<void> {
    if (auto ok = write_header(info, info.name, '0', size, {}); !ok) {
      return ok;
    }
    buffer_.resize(kTarChunkSize + kBlockSize);
    std::uint64_t remaining = size;
    while (remaining > 0) {
      std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(remaining, kTarChunkSize));
      ssize_t got = ::read(fd.get(), buffer_.data(), want);
      if (got < 0) {
        if (errno == EINTR || errno == EAGAIN) {
          continue;
        }
        return fail(errno_error(errno, "cannot read " + path));
      }
      if (got == 0) {
        // The header already promised `size` bytes; the stream cannot be repaired.
        return fail(Error(ErrorCode::Conflict, path + " shrank while it was being archived"));
      }
      remaining -= static_cast<std::uint64_t>(got);
      std::size_t chunk = static_cast<std::size_t>(got);
      if (remaining == 0) {
        std::size_t pad = (kBlockSize - size % kBlockSize) % kBlockSize;
        std::memset(buffer_.data() + chunk, 0, pad);
        chunk += pad;
      }
      if (auto ok = emit(std::string_view(buffer_.data(), chunk)); !ok) {
        return ok;
      }
    }
    return {};
  };
  if (auto ok = stream(); !ok) {
    return unexpected(std::move(ok).error().with_context(context_for(info.name)));
  }
  return true;
}

Result<void> TarWriter::add_symlink(const TarEntryInfo& info, const std::string& target) {
  if (auto ok = check_open(); !ok) {
    return ok;
  }
  if (auto ok = validate_file_name(info.name); !ok) {
    return ok;
  }
  if (target.empty() || target.find('\0') != std::string::npos) {
    return unexpected(Error(ErrorCode::InvalidSpec,
                            "symlink target of '" + info.name + "' is empty or contains NUL"));
  }
  if (auto ok = write_header(info, info.name, '2', 0, target); !ok) {
    return unexpected(std::move(ok).error().with_context(context_for(info.name)));
  }
  return {};
}

Result<void> TarWriter::finish() {
  if (auto ok = check_open(); !ok) {
    return ok;
  }
  if (auto ok = emit(std::string_view(kZeros.data(), kZeros.size())); !ok) {
    return unexpected(std::move(ok).error().with_context("finishing tar archive"));
  }
  state_ = State::Finished;
  return {};
}

namespace {

Result<std::string> read_symlink(const std::string& path, std::size_t size_hint) {
  std::string target(std::max<std::size_t>(size_hint, 64) + 1, '\0');
  while (true) {
    ssize_t got = ::readlink(path.c_str(), target.data(), target.size());
    if (got < 0) {
      return unexpected(errno_error(errno, "cannot read symlink " + path));
    }
    if (static_cast<std::size_t>(got) < target.size()) {
      target.resize(static_cast<std::size_t>(got));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

Result<std::vector<std::string>> sorted_children(const std::string& dir_path) {
  UniqueDir dir(::opendir(dir_path.c_str()));
  if (dir.get() == nullptr) {
    return unexpected(errno_error(errno, "cannot open directory " + dir_path));
  }
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) {
        return unexpected(errno_error(errno, "cannot list directory " + dir_path));
      }
      break;
    }
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") {
      names.emplace_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Directory streams are closed before recursing, so depth costs no descriptors.
Result<void>
walk(TarWriter& writer, const std::string& dir_path, const std::string& prefix,
     const std::function<bool(std::string_view, bool)>& skip,
     const std::function<Result<bool>(const TarEntryInfo&, const std::string&)>& add_regular,
     bool keep_ids) {
  auto children = sorted_children(dir_path);
  if (!children) {
    if (!prefix.empty() && children.error().code() == ErrorCode::NotFound) {
      return {}; // removed while we walked
    }
    return unexpected(std::move(children).error());
  }
  for (const std::string& child : *children) {
    std::string rel = prefix.empty() ? child : prefix + "/" + child;
    std::string full = dir_path + "/" + child;
    struct stat st {};
    if (::lstat(full.c_str(), &st) != 0) {
      if (errno == ENOENT) {
        continue;
      }
      return unexpected(errno_error(errno, "cannot stat " + full));
    }
    bool is_dir = S_ISDIR(st.st_mode);
    if (skip && skip(rel, is_dir)) {
      continue;
    }
    TarEntryInfo info{rel, static_cast<std::uint32_t>(st.st_mode & 07777),
                      keep_ids ? static_cast<std::uint32_t>(st.st_uid) : 0U,
                      keep_ids ? static_cast<std::uint32_t>(st.st_gid) : 0U,
                      static_cast<std::int64_t>(st.st_mtime)};
    if (is_dir) {
      if (auto ok = writer.add_directory(info); !ok) {
        return ok;
      }
      if (auto ok = walk(writer, full, rel, skip, add_regular, keep_ids); !ok) {
        return ok;
      }
    } else if (S_ISREG(st.st_mode)) {
      if (auto added = add_regular(info, full); !added) {
        return unexpected(std::move(added).error());
      }
    } else if (S_ISLNK(st.st_mode)) {
      auto target = read_symlink(full, static_cast<std::size_t>(st.st_size));
      if (!target) {
        if (target.error().code() == ErrorCode::NotFound) {
          continue;
        }
        return unexpected(std::move(target).error());
      }
      if (auto ok = writer.add_symlink(info, *target); !ok) {
        return ok;
      }
    }
    // Sockets, FIFOs and devices have no place in a build context.
  }
  return {};
}

} // namespace

Result<void> add_tree(TarWriter& writer, const std::string& root,
                      const std::function<bool(std::string_view, bool)>& skip) {
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) {
    return unexpected(errno_error(errno, "cannot stat " + root));
  }
  if (!S_ISDIR(st.st_mode)) {
    return unexpected(Error(ErrorCode::InvalidSpec, root + " is not a directory"));
  }
  auto add_regular = [&writer](const TarEntryInfo& info, const std::string& path) {
    return writer.add_disk_file(info, path, /*follow=*/false);
  };
  if (auto ok = walk(writer, root, "", skip, add_regular, false); !ok) {
    return unexpected(std::move(ok).error().with_context("archiving " + root));
  }
  return {};
}

Result<void> add_path(TarWriter& writer, const std::string& path, const std::string& name,
                      const AddPathOptions& options) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    return unexpected(errno_error(errno, "cannot stat " + path));
  }
  auto add_regular = [&writer](const TarEntryInfo& info, const std::string& file) {
    return writer.add_disk_file(info, file, /*follow=*/false);
  };
  TarEntryInfo info{name, static_cast<std::uint32_t>(st.st_mode & 07777),
                    options.keep_ids ? static_cast<std::uint32_t>(st.st_uid) : 0U,
                    options.keep_ids ? static_cast<std::uint32_t>(st.st_gid) : 0U,
                    static_cast<std::int64_t>(st.st_mtime)};
  Result<void> added;
  if (S_ISDIR(st.st_mode)) {
    if (!name.empty()) {
      added = writer.add_directory(info);
    }
    if (added) {
      added = walk(writer, path, name, {}, add_regular, options.keep_ids);
    }
  } else if (name.empty()) {
    added = unexpected(Error(ErrorCode::InvalidSpec, path + " is not a directory"));
  } else if (S_ISREG(st.st_mode)) {
    Result<bool> file = writer.add_disk_file(info, path, /*follow=*/false);
    if (!file) {
      added = unexpected(std::move(file).error());
    } else if (!*file) {
      added = unexpected(Error(ErrorCode::NotFound, path + " vanished while it was archived"));
    }
  } else if (S_ISLNK(st.st_mode)) {
    Result<std::string> target = read_symlink(path, static_cast<std::size_t>(st.st_size));
    if (target) {
      added = writer.add_symlink(info, *target);
    } else {
      added = unexpected(std::move(target).error());
    }
  } else {
    added = unexpected(Error(ErrorCode::InvalidSpec,
                             path + " is not a regular file, a directory or a symbolic link"));
  }
  if (!added) {
    return unexpected(std::move(added).error().with_context("archiving " + path));
  }
  return {};
}

} // namespace aic::archive
