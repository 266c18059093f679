#include "api/unix_socket_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <vector>

namespace aic::api {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

/// Whether a server accepts connections on the socket at `path`: true, false (stale), or an
/// error when that cannot be told.
Result<bool> is_live(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return Error(ErrorCode::Internal, "socket(): " + errno_text(errno));
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  const int error = rc == 0 ? 0 : errno;
  ::close(fd);
  if (rc == 0 || error == EAGAIN || error == EINPROGRESS) {
    return true; // EAGAIN: a listener whose backlog is full is still a listener
  }
  if (error == ECONNREFUSED || error == ENOENT) {
    return false;
  }
  return Error(ErrorCode::Conflict, "cannot tell whether another aicd is listening on " + path +
                                        ": " + errno_text(error));
}

Result<void> create_parents(const std::string& path) {
  std::vector<std::string> missing;
  std::string dir = path.substr(0, path.find_last_of('/'));
  while (!dir.empty()) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode)) {
        return Error(ErrorCode::InvalidSpec, dir + " is not a directory");
      }
      break;
    }
    if (errno != ENOENT) {
      return Error(ErrorCode::InvalidSpec, "cannot access " + dir + ": " + errno_text(errno));
    }
    missing.push_back(dir);
    const std::size_t slash = dir.find_last_of('/');
    dir = slash == std::string::npos ? std::string() : dir.substr(0, slash);
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return Error(ErrorCode::InvalidSpec, "cannot create " + *it + ": " + errno_text(errno));
    }
    ::chmod(it->c_str(), 0755); // whatever the umask
  }
  return {};
}

} // namespace

Result<void> prepare_socket_path(const std::string& path) {
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return Error(ErrorCode::InvalidSpec, "unix socket path '" + path + "' must be 1 to " +
                                             std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) +
                                             " bytes long");
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      return Error(ErrorCode::InvalidSpec, "cannot access " + path + ": " + errno_text(errno));
    }
    return create_parents(path);
  }
  if (!S_ISSOCK(info.st_mode)) {
    return Error(ErrorCode::Conflict, path + " exists and is not a socket; not replacing it");
  }
  auto live = is_live(path);
  if (!live) {
    return std::move(live).error();
  }
  if (*live) {
    return Error(ErrorCode::Conflict, "another aicd is listening on " + path);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Error(ErrorCode::Conflict,
                 "cannot remove the stale socket " + path + ": " + errno_text(errno));
  }
  return {};
}

Result<gid_t> resolve_group(const std::string& group) {
  long size = ::sysconf(_SC_GETGR_R_SIZE_MAX);
  std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
  struct group entry {};
  struct group* found = nullptr;
  int rc = 0;
  while ((rc = ::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
             ERANGE &&
         buffer.size() < (1u << 20)) {
    buffer.resize(buffer.size() * 2);
  }
  if (rc == 0 && found != nullptr) {
    return found->gr_gid;
  }
  if (!group.empty() && group.find_first_not_of("0123456789") == std::string::npos &&
      group.size() < 10) {
    return static_cast<gid_t>(std::stoul(group));
  }
  return Error(ErrorCode::InvalidSpec, "unknown group '" + group + "'");
}

Result<SocketFileId> secure_socket_file(const std::string& path, int mode,
                                        const std::optional<std::string>& group) {
  if (group) {
    auto gid = resolve_group(*group);
    if (!gid) {
      return std::move(gid).error();
    }
    if (::chown(path.c_str(), static_cast<uid_t>(-1), *gid) != 0) {
      return Error(ErrorCode::InvalidSpec,
                   "cannot give " + path + " to group '" + *group + "': " + errno_text(errno));
    }
  }
  if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
    return Error(ErrorCode::Internal, "cannot chmod " + path + ": " + errno_text(errno));
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    return Error(ErrorCode::Internal, "cannot stat " + path + ": " + errno_text(errno));
  }
  return SocketFileId{info.st_dev, info.st_ino};
}

void remove_socket_file(const std::string& path, const SocketFileId& id) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0 && S_ISSOCK(info.st_mode) && info.st_dev == id.device &&
      info.st_ino == id.inode) {
    ::unlink(path.c_str());
  }
}

} // namespace aic::api
