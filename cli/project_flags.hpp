#pragma once

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "compose/loader.hpp"

#include <vector>

namespace aic::cli {

/// The flags every project command shares with `docker compose`: -f, -p, --project-directory,
/// --env-file, --profile.
std::vector<FlagSpec> project_flag_specs();

/// LoadOptions from those flags plus the invocation's environment and working directory.
compose::LoadOptions load_options_from(const ParsedArgs& args, const Invocation& inv);

/// Prints `error: message`, its context and detail lines to `err`.
void print_error(std::ostream& err, const Error& error);

} // namespace aic::cli
