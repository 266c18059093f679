#include "supervisor/project_inputs.hpp"

#include "compose/file_source.hpp"

#include <nlohmann/json.hpp>

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

Result<std::optional<LoadedInputs>> load_stored_inputs(const store::ProjectStore& store,
                                                       const std::string& project) {
  Result<std::optional<std::string>> text = store.load(project);
  if (!text) {
    return std::move(text).error();
  }
  if (!*text) {
    return std::optional<LoadedInputs>{};
  }
  nlohmann::json j = nlohmann::json::parse(**text, nullptr, false);
  if (j.is_discarded()) {
    return Error(ErrorCode::Internal, "the state file of " + project + " (" +
                                          store.path_of(project) +
                                          ") is not JSON; remove it, or run `aic down` on the "
                                          "project, and aicd forgets it");
  }
  proto::UpRequest request;
  try {
    request = j.at("request").get<proto::UpRequest>();
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::Internal, "the state file of " + project + " (" +
                                          store.path_of(project) + ") is unreadable: " + e.what());
  }
  Result<LoadedInputs> loaded = load_inputs(request.inputs);
  if (!loaded) {
    return std::move(loaded).error().with_context("reloading the stored project");
  }
  return std::optional<LoadedInputs>(std::move(*loaded));
}

} // namespace aic::supervisor
