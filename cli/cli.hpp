#pragma once

#include <atomic>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace aic::cli {

/// What a command sees of the process: arguments (without argv[0]), environment, working
/// directory and the two output streams. Keeping it explicit makes every command testable.
struct Invocation {
  std::vector<std::string> args;
  std::map<std::string, std::string> environment;
  std::string working_dir;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

/// Exit codes of the aic command (docs/cli.md).
enum class ExitCode : int {
  Ok = 0,
  Failure = 1,     ///< the operation failed (invalid project, daemon error…)
  Usage = 2,       ///< unknown command or flag
  Unavailable = 3, ///< aicd (or the Docker engine behind it) cannot be reached
};

/// Set by the SIGINT handler of the aic program; long commands stop when it turns true.
std::atomic<bool>& interrupted();

/// Runs the aic command line; returns the process exit code.
int run(const Invocation& invocation);

} // namespace aic::cli
