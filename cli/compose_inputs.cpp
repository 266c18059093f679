#include "cli/compose_inputs.hpp"

#include "compose/diagnostic.hpp"
#include "compose/file_source.hpp"
#include "compose/utf8.hpp"

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

bool valid_utf8(std::string_view s) {
  return compose::invalid_utf8_offset(s) == std::string_view::npos;
}

Error not_utf8(const std::string& what, std::string_view value) {
  return Error(ErrorCode::InvalidSpec,
               what + " " + compose::quote_for_message(compose::to_valid_utf8(value)) +
                   " is not valid UTF-8, and aicd's API (JSON) carries only UTF-8");
}

Result<void> check_sendable(const proto::ComposeInputs& inputs) {
  if (!valid_utf8(inputs.working_dir)) {
    return not_utf8("the working directory", inputs.working_dir);
  }
  if (inputs.project_directory && !valid_utf8(*inputs.project_directory)) {
    return not_utf8("the project directory", *inputs.project_directory);
  }
  for (const auto& [path, content] : inputs.files) {
    if (!valid_utf8(path)) {
      return not_utf8("the path", path);
    }
    if (!valid_utf8(content)) {
      return Error(ErrorCode::InvalidSpec, path + ": the file is not valid UTF-8");
    }
  }
  for (const auto* list : {&inputs.config_files, &inputs.env_files}) {
    for (const auto& path : *list) {
      if (!valid_utf8(path)) {
        return not_utf8("the path", path);
      }
    }
  }
  for (const auto& [name, value] : inputs.environment) {
    if (!valid_utf8(name)) {
      return not_utf8("the environment variable", name);
    }
    if (!valid_utf8(value)) {
      return not_utf8("the environment variable " + name + "'s value", value);
    }
  }
  for (const auto* list : {&inputs.profiles, &inputs.services}) {
    for (const auto& name : *list) {
      if (!valid_utf8(name)) {
        return not_utf8("the name", name);
      }
    }
  }
  return {};
}

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

Result<PreparedProject> prepare_project_to_send(const compose::LoadOptions& options) {
  Result<PreparedProject> project = prepare_project(options);
  if (!project) {
    return project;
  }
  if (Result<void> sendable = check_sendable(project->inputs); !sendable) {
    return std::move(sendable).error();
  }
  return project;
}

} // namespace aic::cli
