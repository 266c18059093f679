#pragma once

#include "cli/args.hpp"
#include "cli/cli.hpp"
#include "cli/progress_view.hpp"
#include "cli/rest_client.hpp"

#include <memory>

namespace aic::cli {

/// A client for the aicd named by --host/AIC_HOST and --token/AIC_TOKEN.
Result<std::unique_ptr<RestClient>> connect_daemon(const ParsedArgs& args, const Invocation& inv);

/// The exit code for a failed command: Unavailable when aicd or the engine cannot be reached,
/// else Failure.
int exit_code_for(const Error& error);

/// Sends a long operation and shows its progress stream (lines of {"progress": event},
/// then {"done": true} or {"error": envelope}). Ctrl-C stops following (the operation goes on
/// in aicd) and is reported as an error.
Result<void> run_operation(RestClient& client, std::string_view method, const std::string& path,
                           const nlohmann::json& body, ProgressView& view);

/// "/v1/projects/<name>" with the name percent-encoded.
std::string project_path(const std::string& name);

} // namespace aic::cli
