#pragma once

#include "cli/cli.hpp"

#include <string>
#include <vector>

namespace aic::cli {

/// `aic config`: loads the project locally (no daemon) and prints the canonical model, or one
/// of its lists (--services, --volumes, --networks, --profiles, --images).
int run_config(const Invocation& inv, const std::vector<std::string>& args);

} // namespace aic::cli
