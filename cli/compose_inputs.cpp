#include "cli/compose_inputs.hpp"

#include "compose/file_source.hpp"

namespace aic::cli {
namespace {

/// The disk, remembering what was read so aicd can be handed exactly those files.
class RecordingFileSource final : public compose::FileSource {
public:
  Result<std::string> read(const std::string& path) const override {
    Result<std::string> content = disk_.read(path);
    if (content) {
      files_[path] = *content;
    }
    return content;
  }
  bool is_file(const std::string& path) const override {
    if (!disk_.is_file(path)) {
      return false;
    }
    // A file the loader only looked for must look the same to aicd.
    (void)read(path);
    return true;
  }
  const std::map<std::string, std::string>& files() const { return files_; }

private:
  compose::DiskFileSource disk_;
  mutable std::map<std::string, std::string> files_;
};

} // namespace

Result<PreparedProject> prepare_project(const compose::LoadOptions& options) {
  RecordingFileSource files;
  Result<compose::LoadedProject> loaded = compose::load_project(options, files);
  if (!loaded) {
    return std::move(loaded).error();
  }
  PreparedProject out;
  out.inputs.config_files = loaded->config_files;
  out.inputs.files = files.files();
  out.inputs.working_dir = options.working_dir;
  out.inputs.project_directory = loaded->working_dir;
  out.inputs.project_name = loaded->name;
  out.inputs.env_files = options.env_files;
  out.inputs.profiles = options.profiles;
  out.inputs.services = options.services;
  out.inputs.environment = loaded->environment;
  for (const auto& [key, value] : options.environment) {
    // HOME: the loader expands `~` in paths with it, without counting it as a reference.
    if (key.rfind("COMPOSE_", 0) == 0 || key == "HOME") {
      out.inputs.environment[key] = value;
    }
  }
  out.loaded = std::move(*loaded);
  return out;
}

} // namespace aic::cli
