#pragma once

#include "cli/command.hpp"

#include <string_view>

namespace aic::cli {

inline constexpr std::string_view kAicVersion = "0.1.0";

/// The --host/-H and --token flags alone, for commands that name no project.
std::vector<FlagSpec> daemon_flag_specs();

/// `aic version`: this CLI's version, and aicd's and the engine's when aicd answers.
CommandSpec version_command();
/// `aic ls`: the projects aicd knows or finds by label.
CommandSpec ls_command();
/// `aic completion bash|zsh`: the shell completion script.
CommandSpec completion_command();

} // namespace aic::cli
