#pragma once

#include "compose/loader.hpp"
#include "compose/project.hpp"
#include "core/result.hpp"
#include "proto/project_types.hpp"

namespace aic::supervisor {

/// A project loaded from what the CLI sent: the canonical model and its typed view.
struct LoadedInputs {
  compose::LoadedProject loaded;
  compose::ProjectSpec spec;
};

/// Loads the project from the files in `inputs` (never from aicd's own disk or environment),
/// exactly as the CLI loaded it. Every problem is one InvalidSpec error naming file and key.
Result<LoadedInputs> load_inputs(const proto::ComposeInputs& inputs);

} // namespace aic::supervisor
