#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// `aic build [SERVICE...]`: builds the services' images in aicd, as `up --build` does.
CommandSpec build_command();

/// `aic pull [SERVICE...]`: pulls the services' images in aicd, as their pull_policy says.
CommandSpec pull_command();

} // namespace aic::cli
