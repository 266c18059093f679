#include "cli/cp_paths.hpp"

#include <vector>

namespace aic::cli {

CpArg split_cp_arg(const std::string& arg) {
  if (!arg.empty() && arg.front() == '/') {
    return {"", arg};
  }
  const std::size_t colon = arg.find(':');
  if (colon == std::string::npos || arg.front() == '.') {
    return {"", arg};
  }
  return {arg.substr(0, colon), arg.substr(colon + 1)};
}

std::string clean_path(std::string_view path) {
  if (path.empty()) {
    return ".";
  }
  const bool rooted = path.front() == '/';
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.emplace_back("..");
      }
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) {
      break;
    }
    start = slash + 1;
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : "/") + parts[i];
  }
  return out.empty() ? "." : out;
}

std::string base_name(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') {
    path.remove_suffix(1);
  }
  if (path.empty()) {
    return ".";
  }
  if (path == "/") {
    return "/";
  }
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string dir_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) {
    return ".";
  }
  return clean_path(path.substr(0, slash + 1));
}

bool asserts_directory(std::string_view path) {
  return path == "." || (!path.empty() && path.back() == '/') ||
         (path.size() >= 2 && path.substr(path.size() - 2) == "/.");
}

std::pair<std::string, std::string> split_dir_entry(std::string_view path) {
  std::string cleaned = clean_path(path);
  if (base_name(path) == "." && cleaned != ".") {
    cleaned += "/.";
  }
  if (cleaned == ".") {
    return {".", "."};
  }
  return {dir_name(cleaned), base_name(cleaned)};
}

Result<CopyPlan> plan_copy(const CopyEnd& source, const CopyEnd& destination) {
  const auto [dst_dir, dst_base] = split_dir_entry(destination.path);
  std::string src_base =
      source.rebase_name.empty() ? split_dir_entry(source.path).second : source.rebase_name;
  if (destination.exists && destination.is_dir) {
    return CopyPlan{destination.path, src_base == "." ? std::string() : src_base};
  }
  if (destination.exists && source.is_dir) {
    return Error(ErrorCode::InvalidSpec,
                 "cannot copy a directory to a file: " + destination.path + " is not a directory");
  }
  if (!destination.exists && !source.is_dir && asserts_directory(destination.path)) {
    return Error(ErrorCode::InvalidSpec, "no such directory: " + destination.path);
  }
  return CopyPlan{dst_dir, dst_base};
}

} // namespace aic::cli
