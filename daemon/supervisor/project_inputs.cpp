#include "supervisor/project_inputs.hpp"

#include "compose/file_source.hpp"

namespace aic::supervisor {

Result<LoadedInputs> load_inputs(const proto::ComposeInputs& inputs) {
  if (inputs.config_files.empty()) {
    return Error(ErrorCode::InvalidSpec, "no compose file given");
  }
  if (!compose::paths::is_absolute(inputs.working_dir)) {
    return Error(ErrorCode::InvalidSpec,
                 "working_dir must be an absolute path, got \"" + inputs.working_dir + "\"");
  }
  compose::MemoryFileSource files;
  for (const auto& [path, content] : inputs.files) {
    if (!compose::paths::is_absolute(path)) {
      return Error(ErrorCode::InvalidSpec, "file paths must be absolute, got \"" + path + "\"");
    }
    files.add(path, content);
  }
  compose::LoadOptions options;
  options.files = inputs.config_files;
  options.working_dir = inputs.working_dir;
  options.project_directory = inputs.project_directory;
  options.project_name = inputs.project_name;
  options.env_files = inputs.env_files;
  options.profiles = inputs.profiles;
  options.services = inputs.services;
  options.environment = inputs.environment;
  Result<compose::LoadedProject> loaded = compose::load_project(options, files);
  if (!loaded) {
    return std::move(loaded).error();
  }
  Result<compose::ProjectSpec> spec = compose::to_project_spec(*loaded);
  if (!spec) {
    return std::move(spec).error();
  }
  return LoadedInputs{std::move(*loaded), std::move(*spec)};
}

} // namespace aic::supervisor
