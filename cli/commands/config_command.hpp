#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// `aic config`: loads the project locally (no daemon) and prints the canonical model, or one
/// of its lists (--services, --volumes, --networks, --profiles, --images).
CommandSpec config_command();

} // namespace aic::cli
