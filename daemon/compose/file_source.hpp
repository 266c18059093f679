#pragma once

#include "core/result.hpp"

#include <map>
#include <string>

namespace aic::compose {

/// How the loader reads files: the disk in the programs, memory in tests and the fuzzer.
/// Paths are absolute, with '/' separators.
class FileSource {
public:
  virtual ~FileSource() = default;
  /// The whole file; NotFound when it does not exist, InvalidSpec when it is not readable. The
  /// error message does not repeat the path: callers name the file in their own way.
  virtual Result<std::string> read(const std::string& path) const = 0;
  virtual bool is_file(const std::string& path) const = 0;
};

/// Reads the real file system. Refuses files larger than `max_bytes`.
class DiskFileSource final : public FileSource {
public:
  explicit DiskFileSource(std::size_t max_bytes = 8 * 1024 * 1024) : max_bytes_(max_bytes) {}
  Result<std::string> read(const std::string& path) const override;
  bool is_file(const std::string& path) const override;

private:
  std::size_t max_bytes_;
};

/// Files held in memory, keyed by absolute path.
class MemoryFileSource final : public FileSource {
public:
  void add(std::string path, std::string content) { files_[std::move(path)] = std::move(content); }
  Result<std::string> read(const std::string& path) const override;
  bool is_file(const std::string& path) const override { return files_.count(path) != 0; }

private:
  std::map<std::string, std::string> files_;
};

/// Pure path helpers on '/'-separated paths (no file system access).
namespace paths {
bool is_absolute(std::string_view p);
/// Go's path.Join + Clean: join("/a/b", "../c") == "/a/c"; an absolute `rel` wins.
std::string join(std::string_view base, std::string_view rel);
std::string dirname(std::string_view p);
std::string basename(std::string_view p);
} // namespace paths

} // namespace aic::compose
