#include "compose/file_source.hpp"

#include "compose/short_syntax.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

namespace aic::compose {

Result<std::string> DiskFileSource::read(const std::string& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    return unexpected(
        Error(err == ENOENT ? ErrorCode::NotFound : ErrorCode::InvalidSpec, std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    return unexpected(Error(ErrorCode::InvalidSpec, "not a regular file"));
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes_) {
    return unexpected(Error(ErrorCode::InvalidSpec,
                            "file is larger than " + std::to_string(max_bytes_) + " bytes"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return unexpected(Error(ErrorCode::InvalidSpec, std::strerror(errno)));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

bool DiskFileSource::is_file(const std::string& path) const {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

Result<std::string> MemoryFileSource::read(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return unexpected(Error(ErrorCode::NotFound, "No such file or directory"));
  }
  return it->second;
}

namespace paths {

bool is_absolute(std::string_view p) {
  return !p.empty() && p.front() == '/';
}

std::string join(std::string_view base, std::string_view rel) {
  if (is_absolute(rel) || base.empty()) {
    return clean_path(rel);
  }
  std::string joined(base);
  joined += '/';
  joined += rel;
  return clean_path(joined);
}

std::string dirname(std::string_view p) {
  std::size_t slash = p.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  if (slash == 0) {
    return "/";
  }
  return std::string(p.substr(0, slash));
}

std::string basename(std::string_view p) {
  while (p.size() > 1 && p.back() == '/') {
    p.remove_suffix(1);
  }
  std::size_t slash = p.rfind('/');
  return std::string(slash == std::string_view::npos ? p : p.substr(slash + 1));
}

} // namespace paths
} // namespace aic::compose
