#pragma once

#include "compose/loader.hpp"
#include "core/result.hpp"
#include "proto/project_types.hpp"

namespace aic::cli {

/// A project loaded by the CLI, and what to send aicd so it loads the very same project.
struct PreparedProject {
  compose::LoadedProject loaded;
  proto::ComposeInputs inputs;
};

/// Loads the project from disk as `aic config` does, recording every file the loader read,
/// and keeps of the environment only the variables the files reference, COMPOSE_* and HOME
/// (which `~` in paths expands to).
Result<PreparedProject> prepare_project(const compose::LoadOptions& options);

/// prepare_project() for a command that sends the inputs to aicd. They travel as JSON, so every
/// path, name and content in them must be UTF-8: InvalidSpec naming the first that is not (a
/// directory or file name, an environment variable's value).
Result<PreparedProject> prepare_project_to_send(const compose::LoadOptions& options);

} // namespace aic::cli
