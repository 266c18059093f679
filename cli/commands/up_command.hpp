#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// `aic up`: loads the project locally, sends it to aicd and shows the progress.
CommandSpec up_command();
/// `aic create`: `up --no-start`.
CommandSpec create_command();
/// `aic down`: stops and removes the project's containers and networks through aicd.
CommandSpec down_command();

} // namespace aic::cli
