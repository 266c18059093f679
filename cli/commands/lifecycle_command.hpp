#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// The container lifecycle commands, each one REST call to aicd with its progress shown:
/// start, stop, restart, kill, pause, unpause, rm; and wait (exit codes as containers stop).
CommandSpec start_command();
CommandSpec stop_command();
CommandSpec restart_command();
CommandSpec kill_command();
CommandSpec pause_command();
CommandSpec unpause_command();
CommandSpec rm_command();
CommandSpec wait_command();

} // namespace aic::cli
