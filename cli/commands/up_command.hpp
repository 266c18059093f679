#pragma once

#include "cli/cli.hpp"

#include <string>
#include <vector>

namespace aic::cli {

/// `aic up`: loads the project locally, sends it to aicd and shows the progress.
/// `aic create` is `up --no-start` (create_only).
int run_up(const Invocation& inv, const std::vector<std::string>& args, bool create_only);

/// `aic down`: stops and removes the project's containers and networks through aicd.
int run_down(const Invocation& inv, const std::vector<std::string>& args);

} // namespace aic::cli
