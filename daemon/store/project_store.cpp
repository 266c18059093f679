#include "store/project_store.hpp"

#include "store/atomic_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

namespace aic::store {
namespace {

constexpr std::string_view kSuffix = ".json";

Error system_error(const std::string& what, int err) {
  return Error(ErrorCode::Internal, what + ": " + std::strerror(err));
}

Result<void> make_dir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      return system_error("cannot use state directory " + path, errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      return Error(ErrorCode::Internal, "state path " + path + " is not a directory");
    }
    return {};
  }
  return system_error("cannot create state directory " + path, errno);
}

} // namespace

ProjectStore::ProjectStore(std::string state_dir, std::string kind)
    : dir_(std::move(state_dir)), kind_(std::move(kind)) {}

bool ProjectStore::valid_name(const std::string& name) {
  if (name.empty() || name.size() > 255) {
    return false;
  }
  if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9'))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string ProjectStore::path_of(const std::string& project) const {
  return dir_ + "/" + kind_ + "/" + project + std::string(kSuffix);
}

Result<void> ProjectStore::open() {
  if (auto ok = make_dir(dir_, 0700); !ok) {
    return ok;
  }
  std::string projects = dir_ + "/" + kind_;
  if (auto ok = make_dir(projects, 0700); !ok) {
    return ok;
  }
  if (::access(projects.c_str(), R_OK | W_OK | X_OK) != 0) {
    return system_error("state directory " + projects + " is not writable", errno);
  }
  return {};
}

Result<void> ProjectStore::save(const std::string& project, const std::string& content) {
  if (!valid_name(project)) {
    return Error(ErrorCode::InvalidSpec, "invalid project name \"" + project + "\"");
  }
  return write_file_atomically(path_of(project), content, 0600);
}

Result<std::optional<std::string>> ProjectStore::load(const std::string& project) const {
  if (!valid_name(project)) {
    return Error(ErrorCode::InvalidSpec, "invalid project name \"" + project + "\"");
  }
  return read_file(path_of(project), kMaxFileBytes);
}

Result<void> ProjectStore::remove(const std::string& project) {
  if (!valid_name(project)) {
    return Error(ErrorCode::InvalidSpec, "invalid project name \"" + project + "\"");
  }
  std::string path = path_of(project);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return system_error("cannot remove " + path, errno);
  }
  return {};
}

Result<std::vector<std::string>> ProjectStore::names() const {
  std::string projects = dir_ + "/" + kind_;
  DIR* d = ::opendir(projects.c_str());
  if (!d) {
    if (errno == ENOENT) {
      return std::vector<std::string>{};
    }
    return system_error("cannot list " + projects, errno);
  }
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > kSuffix.size() &&
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
      std::string project = name.substr(0, name.size() - kSuffix.size());
      if (valid_name(project)) {
        out.push_back(project);
      }
    }
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace aic::store
