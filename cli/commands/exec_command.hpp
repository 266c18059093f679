#pragma once

#include "cli/command.hpp"
#include "core/result.hpp"
#include "proto/exec_types.hpp"

#include <map>
#include <string>
#include <vector>

namespace aic::cli {

/// `aic exec SERVICE COMMAND [ARGS...]`: runs a command in a running service container through
/// aicd, attached to the terminal, and exits with the command's exit code.
CommandSpec exec_command();

/// The exec request for parsed `aic exec` arguments; `terminal`: whether standard input and
/// output are terminals (a TTY is then allocated unless -T). InvalidSpec for a missing service
/// or command and a bad --index.
Result<proto::ExecRequest> build_exec_request(const ParsedArgs& args,
                                              const std::map<std::string, std::string>& environment,
                                              bool terminal);

/// `-e` values as the engine takes them: "K=V" as given, a bare "K" takes the value from
/// `environment` and is dropped when unset there (as docker compose does).
std::vector<std::string> resolve_env(const std::vector<std::string>& values,
                                     const std::map<std::string, std::string>& environment);

} // namespace aic::cli
