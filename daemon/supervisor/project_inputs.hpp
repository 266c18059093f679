#pragma once

#include "compose/loader.hpp"
#include "compose/project.hpp"
#include "core/result.hpp"
#include "proto/project_types.hpp"
#include "store/project_store.hpp"

#include <optional>
#include <string>

namespace aic::supervisor {

/// A project loaded from what the CLI sent: the canonical model and its typed view.
struct LoadedInputs {
  compose::LoadedProject loaded;
  compose::ProjectSpec spec;
};

/// Loads the project from the files in `inputs` (never from aicd's own disk or environment),
/// exactly as the CLI loaded it. Every problem is one InvalidSpec error naming file and key.
Result<LoadedInputs> load_inputs(const proto::ComposeInputs& inputs);

/// The inputs of the project's last `up`, loaded again from `store`; nullopt when it has none.
/// Blocking (file reads): call it off the io_context.
Result<std::optional<LoadedInputs>> load_stored_inputs(const store::ProjectStore& store,
                                                       const std::string& project);

} // namespace aic::supervisor
