#include "archive/tar_extractor.hpp"

#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace aic::archive {
namespace {

Error errno_error(int err, const std::string& what) {
  ErrorCode code = ErrorCode::Internal;
  if (err == ENOENT) {
    code = ErrorCode::NotFound;
  } else if (err == EACCES || err == EPERM || err == ELOOP || err == ENOTDIR || err == EEXIST ||
             err == EISDIR) {
    code = ErrorCode::InvalidSpec;
  }
  return Error(code, what + ": " + std::generic_category().message(err));
}

/// Closes the descriptor it owns.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = -1;
  }

private:
  int fd_ = -1;
};

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash - start);
    if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : "/") + p;
  }
  return out;
}

std::string quoted(std::string_view name) {
  return "\"" + std::string(name.substr(0, 256)) + (name.size() > 256 ? "...\"" : "\"");
}

struct timespec to_timespec(std::int64_t seconds) {
  struct timespec t {};
  t.tv_sec = static_cast<time_t>(seconds);
  t.tv_nsec = 0;
  return t;
}

/// Removes what is at `base` in `parent` so a non-directory can take its place; refuses to
/// replace a directory. True when something is (still) there: a directory for a directory.
Result<bool> make_room(int parent, const std::string& base, bool for_directory,
                       const std::string& name) {
  struct stat st {};
  if (::fstatat(parent, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return false;
    }
    return errno_error(errno, "cannot stat " + quoted(name));
  }
  const bool is_dir = S_ISDIR(st.st_mode);
  if (is_dir && !for_directory) {
    return Error(ErrorCode::InvalidSpec,
                 "cannot overwrite directory " + quoted(name) + " with non-directory");
  }
  if (!is_dir && for_directory) {
    return Error(ErrorCode::InvalidSpec,
                 "cannot overwrite non-directory " + quoted(name) + " with directory");
  }
  if (is_dir) {
    return true;
  }
  if (::unlinkat(parent, base.c_str(), 0) != 0 && errno != ENOENT) {
    return errno_error(errno, "cannot replace " + quoted(name));
  }
  return false;
}

} // namespace

Result<std::unique_ptr<TarExtractor>> TarExtractor::open(const std::string& destination,
                                                         ExtractOptions options) {
  Fd fd(::open(destination.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return errno_error(errno, "cannot open the destination directory " + destination);
  }
  return std::unique_ptr<TarExtractor>(new TarExtractor(fd.release(), std::move(options)));
}

TarExtractor::TarExtractor(int root_fd, ExtractOptions options)
    : root_fd_(root_fd), options_(std::move(options)), reader_(*this) {}

TarExtractor::~TarExtractor() {
  if (file_fd_ >= 0) {
    ::close(file_fd_);
  }
  if (root_fd_ >= 0) {
    ::close(root_fd_);
  }
}

Result<void> TarExtractor::feed(std::string_view bytes) {
  return reader_.feed(bytes);
}

Result<void> TarExtractor::finish() {
  if (Result<void> ok = reader_.finish(); !ok) {
    return ok;
  }
  // Deepest first, so setting a directory's mtime is not undone by changes inside it.
  for (auto it = directories_.rbegin(); it != directories_.rend(); ++it) {
    const struct timespec times[2] = {to_timespec(it->mtime), to_timespec(it->mtime)};
    if (it->path.empty()) {
      if (::fchmod(root_fd_, it->mode) != 0 || ::futimens(root_fd_, times) != 0) {
        return errno_error(errno, "cannot set the mode and time of the destination");
      }
      continue;
    }
    Result<std::pair<int, std::string>> parent = open_parent(it->path, false);
    if (!parent) {
      return std::move(parent).error();
    }
    Fd parent_fd(parent->first);
    const char* base = parent->second.c_str();
    if (::fchmodat(parent_fd.get(), base, it->mode, 0) != 0 ||
        ::utimensat(parent_fd.get(), base, times, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno_error(errno, "cannot set the mode and time of " + quoted(it->path));
    }
  }
  return {};
}

Result<std::string> TarExtractor::target_name(std::string_view name) const {
  if (!name.empty() && name.front() == '/') {
    return Error(ErrorCode::InvalidSpec,
                 "refusing tar entry " + quoted(name) + ": its path is absolute");
  }
  std::vector<std::string> parts = split_path(name);
  for (const auto& p : parts) {
    if (p == "..") {
      return Error(ErrorCode::InvalidSpec,
                   "refusing tar entry " + quoted(name) + ": it leaves the destination (..)");
    }
  }
  if (options_.rebase_from == ".") {
    parts.insert(parts.begin(), options_.rebase_to);
  } else if (!options_.rebase_from.empty() && !parts.empty() &&
             parts.front() == options_.rebase_from) {
    parts.front() = options_.rebase_to;
  }
  return join(parts);
}

Result<std::pair<int, std::string>> TarExtractor::open_parent(const std::string& path,
                                                              bool create) const {
  std::vector<std::string> parts = split_path(path);
  if (parts.empty()) {
    return Error(ErrorCode::Internal, "no parent for the destination itself");
  }
  Fd dir(::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0));
  if (dir.get() < 0) {
    return errno_error(errno, "cannot open the destination");
  }
  std::string walked;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.empty() ? "" : "/") + parts[i];
    const char* part = parts[i].c_str();
    int next = ::openat(dir.get(), part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), part, 0755) != 0 && errno != EEXIST) {
        return errno_error(errno, "cannot create directory " + quoted(walked));
      }
      next = ::openat(dir.get(), part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        return Error(ErrorCode::InvalidSpec, "refusing tar entry " + quoted(path) + ": " +
                                                 quoted(walked) +
                                                 " is a symlink or not a directory");
      }
      return errno_error(errno, "cannot open directory " + quoted(walked));
    }
    dir = Fd(next);
  }
  return std::pair<int, std::string>(dir.release(), parts.back());
}

Result<void> TarExtractor::begin_entry(const TarEntry& entry) {
  if (entry.type == TarEntryType::Other) {
    skipped_.push_back(entry.name);
    return {};
  }
  Result<std::string> name = target_name(entry.name);
  if (!name) {
    return std::move(name).error();
  }
  if (name->empty()) {
    if (entry.type != TarEntryType::Directory) {
      return Error(ErrorCode::InvalidSpec, "refusing tar entry " + quoted(entry.name) +
                                               ": it would replace the destination directory");
    }
    directories_.push_back({"", entry.mode, entry.mtime});
    return {};
  }
  if (entry.type == TarEntryType::Symlink) {
    if (entry.link_target.empty()) {
      return Error(ErrorCode::InvalidSpec, "symlink " + quoted(entry.name) + " has no target");
    }
    if (entry.link_target.front() != '/') {
      // Resolved lexically from the link's directory, the target must stay inside.
      std::vector<std::string> where = split_path(*name);
      where.pop_back();
      std::size_t depth = where.size();
      std::size_t start = 0;
      const std::string& target = entry.link_target;
      while (start <= target.size()) {
        std::size_t slash = target.find('/', start);
        std::string_view part = std::string_view(target).substr(start, slash - start);
        if (part == "..") {
          if (depth == 0) {
            return Error(ErrorCode::InvalidSpec, "refusing symlink " + quoted(entry.name) +
                                                     ": its target " + quoted(target) +
                                                     " leaves the destination");
          }
          --depth;
        } else if (!part.empty() && part != ".") {
          ++depth;
        }
        if (slash == std::string::npos) {
          break;
        }
        start = slash + 1;
      }
    }
  }
  std::optional<std::string> link_name;
  if (entry.type == TarEntryType::Hardlink) {
    Result<std::string> target = target_name(entry.link_target);
    if (!target) {
      return std::move(target).error();
    }
    if (target->empty()) {
      return Error(ErrorCode::InvalidSpec,
                   "refusing hard link " + quoted(entry.name) + ": its target is the destination");
    }
    link_name = std::move(*target);
  }

  Result<std::pair<int, std::string>> parent = open_parent(*name, true);
  if (!parent) {
    return std::move(parent).error();
  }
  Fd parent_fd(parent->first);
  const std::string& base = parent->second;
  Result<bool> exists =
      make_room(parent_fd.get(), base, entry.type == TarEntryType::Directory, *name);
  if (!exists) {
    return std::move(exists).error();
  }
  const struct timespec times[2] = {to_timespec(entry.mtime), to_timespec(entry.mtime)};
  switch (entry.type) {
  case TarEntryType::File: {
    int fd = ::openat(parent_fd.get(), base.c_str(),
                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
      return errno_error(errno, "cannot create " + quoted(*name));
    }
    file_fd_ = fd;
    file_name_ = *name;
    file_mode_ = entry.mode;
    file_mtime_ = entry.mtime;
    return {};
  }
  case TarEntryType::Directory:
    // Writable until finish() gives it its own mode, so its contents can be created.
    if (!*exists && ::mkdirat(parent_fd.get(), base.c_str(), 0700) != 0) {
      return errno_error(errno, "cannot create directory " + quoted(*name));
    }
    directories_.push_back({*name, entry.mode, entry.mtime});
    return {};
  case TarEntryType::Symlink:
    if (::symlinkat(entry.link_target.c_str(), parent_fd.get(), base.c_str()) != 0) {
      return errno_error(errno, "cannot create symlink " + quoted(*name));
    }
    if (::utimensat(parent_fd.get(), base.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno_error(errno, "cannot set the time of " + quoted(*name));
    }
    return {};
  case TarEntryType::Hardlink: {
    Result<std::pair<int, std::string>> target = open_parent(*link_name, false);
    if (!target) {
      return std::move(target).error();
    }
    Fd target_fd(target->first);
    if (::linkat(target_fd.get(), target->second.c_str(), parent_fd.get(), base.c_str(), 0) != 0) {
      return errno_error(errno, "cannot link " + quoted(*name) + " to " + quoted(*link_name));
    }
    return {};
  }
  case TarEntryType::Other:
    break;
  }
  return {};
}

Result<void> TarExtractor::entry_data(std::string_view bytes) {
  if (file_fd_ < 0) {
    return {}; // data of an entry that is not extracted
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(file_fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno_error(errno, "cannot write " + quoted(file_name_));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> TarExtractor::end_entry() {
  if (file_fd_ < 0) {
    return {};
  }
  Fd fd(std::exchange(file_fd_, -1));
  const struct timespec times[2] = {to_timespec(file_mtime_), to_timespec(file_mtime_)};
  if (::fchmod(fd.get(), file_mode_) != 0 || ::futimens(fd.get(), times) != 0) {
    return errno_error(errno, "cannot set the mode and time of " + quoted(file_name_));
  }
  if (::close(fd.release()) != 0) {
    return errno_error(errno, "cannot write " + quoted(file_name_));
  }
  return {};
}

} // namespace aic::archive
