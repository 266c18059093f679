#pragma once

#include "cli/command.hpp"
#include "core/result.hpp"
#include "proto/exec_types.hpp"

#include <map>
#include <string>

namespace aic::cli {

/// `aic run SERVICE [COMMAND [ARGS...]]`: a one-off container of a service, created by aicd as
/// `docker compose run` does, attached to the terminal; exits with the container's exit code
/// (`-d` prints its name instead).
CommandSpec run_command();

/// The run request for parsed `aic run` arguments, without `inputs`: `terminal` says whether
/// standard input and output are terminals; relative volume sources ("./data:/data") are made
/// absolute against `project_directory`. InvalidSpec for a missing service or a bad
/// --entrypoint.
Result<proto::RunRequest> build_run_request(const ParsedArgs& args,
                                            const std::map<std::string, std::string>& environment,
                                            bool terminal, const std::string& project_directory);

} // namespace aic::cli
