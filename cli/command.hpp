#pragma once

// The table of aic's commands: one CommandSpec per command, from which the dispatcher parses
// flags, `aic COMMAND --help` prints its help, `aic --help` lists the commands, and
// `aic completion bash|zsh` generates the shell completion scripts.

#include "cli/args.hpp"
#include "cli/cli.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace aic::cli {

/// What a command's positional arguments are, for completion.
enum class Positionals : std::uint8_t {
  None,     ///< takes none
  Services, ///< service names of the project
  Service,  ///< one service name, then free arguments (exec, run)
  Free,     ///< anything (cp's paths, completion's shell)
};

struct CommandSpec {
  std::string name;
  std::string summary; ///< one line, as `docker compose --help` lists it
  std::string usage;   ///< after "aic NAME ": "[OPTIONS] [SERVICE...]"
  /// The command's own flags; --help, and the project flags when `project` is true, are added.
  std::vector<FlagSpec> flags;
  bool project = true;
  /// Flags are read only before this many positional arguments; the rest is the command's
  /// (`aic exec web ls -l`: 1).
  std::size_t flags_before = std::numeric_limits<std::size_t>::max();
  Positionals positionals = Positionals::Services;
  /// Runs with the parsed arguments; returns the exit code.
  std::function<int(const Invocation&, const ParsedArgs&)> run;

  /// Every flag the command accepts, in help order.
  std::vector<FlagSpec> all_flags() const;
  /// `aic NAME --help`.
  std::string help() const;
};

/// Every command, in the order `aic --help` lists them (alphabetical).
const std::vector<CommandSpec>& command_table();

/// The command named `name`, or nullptr.
const CommandSpec* find_command(std::string_view name);

/// The completion script for "bash" or "zsh", generated from the table; "" for another shell.
std::string completion_script(std::string_view shell);

} // namespace aic::cli
