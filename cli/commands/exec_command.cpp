#include "cli/commands/exec_command.hpp"

#include "cli/commands/ps_logs_command.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "cli/session_relay.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>
#include <unistd.h>

namespace aic::cli {

namespace {

/// How long `exec` waits for the engine to report the exit code once the stream ended.
constexpr std::chrono::seconds kExitCodeWait{10};

int run_exec(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  const bool terminal = ::isatty(0) == 1 && ::isatty(1) == 1;
  Result<proto::ExecRequest> request = build_exec_request(args, inv.environment, terminal);
  if (!request) {
    return usage_error(err, "exec", request.error().message());
  }
  Result<std::string> name = project_name_from(args, inv);
  if (!name) {
    print_error(err, name.error());
    return static_cast<int>(ExitCode::Failure);
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  RestClient& rest = **client;
  const std::string base = project_path(*name) + "/exec";
  nlohmann::json body = *request;
  Result<Response> created = rest.request("POST", base, body);
  if (!created) {
    print_error(err, created.error());
    return exit_code_for(created.error());
  }
  nlohmann::json answer = created->json();
  if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_string()) {
    err << "error: aicd answered the exec request without an id\n";
    return static_cast<int>(ExitCode::Failure);
  }
  if (request->detach) {
    return static_cast<int>(ExitCode::Ok);
  }
  const std::string exec_path = base + "/" + answer["id"].get<std::string>();
  Result<SessionEnd> end =
      run_session(args, inv, rest, exec_path + "/start", exec_path + "/resize", request->tty);
  if (!end) {
    print_error(err, end.error());
    return exit_code_for(end.error());
  }
  if (std::optional<int> code = session_exit_code(*end)) {
    return *code;
  }
  // The stream ends as the process exits; the engine may take a moment to record the code.
  const auto deadline = std::chrono::steady_clock::now() + kExitCodeWait;
  for (;;) {
    Result<Response> inspected = rest.request("GET", exec_path);
    if (!inspected) {
      print_error(err, inspected.error());
      return exit_code_for(inspected.error());
    }
    nlohmann::json state = inspected->json();
    if (state.is_object() && state.value("running", true) == false && state.contains("exit_code") &&
        state["exit_code"].is_number_integer()) {
      return state["exit_code"].get<int>();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      err << "error: the command's exit code is unknown: the engine still reports it running\n";
      return static_cast<int>(ExitCode::Failure);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

} // namespace

std::vector<std::string> resolve_env(const std::vector<std::string>& values,
                                     const std::map<std::string, std::string>& environment) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    if (v.find('=') != std::string::npos) {
      out.push_back(v);
    } else if (auto it = environment.find(v); it != environment.end()) {
      out.push_back(v + "=" + it->second);
    }
  }
  return out;
}

Result<proto::ExecRequest> build_exec_request(const ParsedArgs& args,
                                              const std::map<std::string, std::string>& environment,
                                              bool terminal) {
  const auto& positionals = args.positionals();
  if (positionals.empty()) {
    return Error(ErrorCode::InvalidSpec, "exec needs a service and a command");
  }
  if (positionals.size() < 2) {
    return Error(ErrorCode::InvalidSpec, "exec needs a command to run in " + positionals[0]);
  }
  proto::ExecRequest request;
  request.service = positionals[0];
  request.command.assign(positionals.begin() + 1, positionals.end());
  if (auto index = args.last("index")) {
    std::optional<int> n = parse_count(*index);
    if (!n || *n < 1) {
      return Error(ErrorCode::InvalidSpec,
                   "invalid --index \"" + *index + "\": a replica number of 1 or more");
    }
    request.index = *n;
  }
  request.detach = args.has("detach");
  request.tty = terminal && !args.has("no-TTY") && !request.detach;
  request.stdin = !request.detach;
  request.user = args.last("user").value_or("");
  request.workdir = args.last("workdir").value_or("");
  request.env = resolve_env(args.all("env"), environment);
  request.privileged = args.has("privileged");
  return request;
}

CommandSpec exec_command() {
  CommandSpec c;
  c.name = "exec";
  c.summary = "Execute a command in a running container";
  c.usage = "[OPTIONS] SERVICE COMMAND [ARGS...]";
  c.flags = {
      {"detach", 'd', false, "", "Detached mode: run the command in the background"},
      {"env", 'e', true, "KEY=VAL", "Set an environment variable (repeatable)"},
      {"index", 0, true, "N", "Index of the container if the service has replicas (default 1)"},
      {"privileged", 0, false, "", "Give extended privileges to the process"},
      {"no-TTY", 'T', false, "", "Disable pseudo-TTY allocation (default: on a terminal)"},
      {"user", 'u', true, "USER", "Run the command as this user"},
      {"workdir", 'w', true, "DIR", "Path to the working directory for this command"},
  };
  c.flags_before = 1;
  c.positionals = Positionals::Service;
  c.run = run_exec;
  return c;
}

} // namespace aic::cli
