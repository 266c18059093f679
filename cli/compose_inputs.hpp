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

} // namespace aic::cli
