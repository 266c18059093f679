#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// Read-only looks at a project's containers: top (processes), port (the published address of
/// a container port) and images (the images the containers use).
CommandSpec top_command();
CommandSpec port_command();
CommandSpec images_command();

} // namespace aic::cli
