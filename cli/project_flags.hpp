#pragma once

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "compose/loader.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::cli {

/// The flags every project command shares with `docker compose`: -f, -p, --project-directory,
/// --env-file, --profile.
std::vector<FlagSpec> project_flag_specs();

/// LoadOptions from those flags plus the invocation's environment and working directory.
compose::LoadOptions load_options_from(const ParsedArgs& args, const Invocation& inv);

/// Prints `error: message` and where to find the usage; returns ExitCode::Usage.
int usage_error(std::ostream& err, const std::string& command, const std::string& message);

/// A non-negative decimal number of at most 9 digits (seconds, replicas, lines), else nullopt.
std::optional<int> parse_count(std::string_view text);

/// Prints `error: message`, its context and detail lines to `err`.
void print_error(std::ostream& err, const Error& error);

} // namespace aic::cli
