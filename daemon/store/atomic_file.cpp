#include "store/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aic::store {
namespace {

Error failure(const std::string& what, const std::string& path) {
  return Error(ErrorCode::Internal, what + " " + path + ": " + std::strerror(errno));
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// Closes the descriptor on every path out of a function.
class Fd {
public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  /// Closes now, reporting the error close() may carry (a delayed write failure).
  bool close_checked() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

private:
  int fd_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

} // namespace

Result<void> write_file_atomically(const std::string& path, std::string_view content,
                                   unsigned mode) {
  const std::string dir = parent_of(path);
  std::string temp = path + ".tmp-XXXXXX";
  Fd file(::mkstemp(temp.data()));
  if (file.get() < 0) {
    return failure("cannot create a temporary file for", path);
  }
  auto discard = [&temp](Error error) {
    ::unlink(temp.c_str());
    return error;
  };
  if (::fchmod(file.get(), static_cast<mode_t>(mode)) != 0) {
    return discard(failure("cannot set the mode of", temp));
  }
  if (!write_all(file.get(), content)) {
    return discard(failure("cannot write", temp));
  }
  if (::fsync(file.get()) != 0) {
    return discard(failure("cannot flush", temp));
  }
  if (!file.close_checked()) {
    return discard(failure("cannot close", temp));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return discard(failure("cannot replace", path));
  }
  Fd directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() < 0 || ::fsync(directory.get()) != 0) {
    return failure("cannot flush the directory", dir);
  }
  return {};
}

Result<std::optional<std::string>> read_file(const std::string& path, std::size_t max_bytes) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.get() < 0) {
    if (errno == ENOENT) {
      return std::optional<std::string>{};
    }
    return failure("cannot open", path);
  }
  std::string content;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return failure("cannot read", path);
    }
    if (n == 0) {
      return std::optional<std::string>(std::move(content));
    }
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      return Error(ErrorCode::Internal,
                   path + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
}

} // namespace aic::store
