#include "cli/commands/run_command.hpp"

#include "cli/commands/exec_command.hpp"
#include "cli/compose_inputs.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "cli/session_relay.hpp"
#include "compose/shell_split.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <unistd.h>

namespace aic::cli {

namespace {

/// Creating the container may first bring up dependencies (pulls included).
constexpr std::chrono::minutes kRunTimeout{10};

/// "./data:/data" → "<dir>/data:/data"; "~/x:/x" → "$HOME/x:/x"; absolute sources and volume
/// names as they are.
std::string absolute_source(const std::string& volume, const std::string& directory,
                            const std::map<std::string, std::string>& environment) {
  const auto colon = volume.find(':');
  if (colon == std::string::npos) {
    return volume; // an anonymous volume: only the target
  }
  const std::string source = volume.substr(0, colon);
  if (source == "." || source.rfind("./", 0) == 0 || source == ".." ||
      source.rfind("../", 0) == 0) {
    return directory + "/" + source + volume.substr(colon);
  }
  if (source == "~" || source.rfind("~/", 0) == 0) {
    auto home = environment.find("HOME");
    if (home != environment.end()) {
      return home->second + source.substr(1) + volume.substr(colon);
    }
  }
  return volume;
}

int run_run(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  if (args.positionals().empty()) {
    return usage_error(err, "run", "run needs a service");
  }
  compose::LoadOptions load = load_options_from(args, inv);
  load.services = {args.positionals()[0]};
  Result<PreparedProject> project = prepare_project_to_send(load);
  if (!project) {
    print_error(err, project.error());
    return static_cast<int>(ExitCode::Failure);
  }
  for (const auto& w : project->loaded.warnings) {
    err << "warning: " << w << "\n";
  }
  const bool terminal = ::isatty(0) == 1 && ::isatty(1) == 1;
  Result<proto::RunRequest> request =
      build_run_request(args, inv.environment, terminal, project->loaded.working_dir);
  if (!request) {
    return usage_error(err, "run", request.error().message());
  }
  request->inputs = project->inputs;
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  RestClient& rest = **client;
  const std::string base = project_path(project->loaded.name);
  nlohmann::json body = *request;
  Result<Response> created = rest.request("POST", base + "/run", body, kRunTimeout);
  if (!created) {
    print_error(err, created.error());
    return exit_code_for(created.error());
  }
  nlohmann::json answer = created->json();
  if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_string()) {
    err << "error: aicd answered the run request without a container id\n";
    return static_cast<int>(ExitCode::Failure);
  }
  if (auto warnings = answer.find("warnings"); warnings != answer.end() && warnings->is_array()) {
    for (const auto& w : *warnings) {
      if (w.is_string()) {
        err << "warning: " << w.get<std::string>() << "\n";
      }
    }
  }
  if (request->detach) {
    *inv.out << answer.value("name", answer["id"].get<std::string>()) << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  const std::string container = base + "/containers/" + answer["id"].get<std::string>();
  const bool tty = answer.value("tty", request->tty);
  Result<SessionEnd> end =
      run_session(args, inv, rest, container + "/attach", container + "/resize", tty);
  if (!end) {
    print_error(err, end.error());
    return exit_code_for(end.error());
  }
  if (std::optional<int> code = session_exit_code(*end)) {
    return *code;
  }
  Result<Response> waited =
      rest.request("POST", container + "/wait", std::nullopt, std::chrono::milliseconds(0));
  if (!waited) {
    print_error(err, waited.error());
    return exit_code_for(waited.error());
  }
  nlohmann::json outcome = waited->json();
  if (!outcome.is_object() || !outcome.contains("exit_code") ||
      !outcome["exit_code"].is_number_integer()) {
    err << "error: aicd did not report the container's exit code\n";
    return static_cast<int>(ExitCode::Failure);
  }
  return outcome["exit_code"].get<int>();
}

} // namespace

Result<proto::RunRequest> build_run_request(const ParsedArgs& args,
                                            const std::map<std::string, std::string>& environment,
                                            bool terminal, const std::string& project_directory) {
  const auto& positionals = args.positionals();
  if (positionals.empty()) {
    return Error(ErrorCode::InvalidSpec, "run needs a service");
  }
  proto::RunRequest request;
  request.service = positionals[0];
  if (positionals.size() > 1) {
    request.command = std::vector<std::string>(positionals.begin() + 1, positionals.end());
  }
  if (auto entrypoint = args.last("entrypoint")) {
    Result<std::vector<std::string>> words = compose::shell_split(*entrypoint);
    if (!words) {
      return Error(ErrorCode::InvalidSpec, "invalid --entrypoint: " + words.error().message());
    }
    request.entrypoint = std::move(*words);
  }
  request.detach = args.has("detach");
  request.rm = args.has("rm");
  request.tty = terminal && !args.has("no-TTY") && !request.detach;
  request.stdin = !request.detach;
  request.env = resolve_env(args.all("env"), environment);
  request.user = args.last("user").value_or("");
  request.workdir = args.last("workdir").value_or("");
  for (const auto& v : args.all("volume")) {
    request.volumes.push_back(absolute_source(v, project_directory, environment));
  }
  request.publish = args.all("publish");
  request.service_ports = args.has("service-ports");
  request.no_deps = args.has("no-deps");
  request.name = args.last("name").value_or("");
  return request;
}

CommandSpec run_command() {
  CommandSpec c;
  c.name = "run";
  c.summary = "Run a one-off command on a service";
  c.usage = "[OPTIONS] SERVICE [COMMAND] [ARGS...]";
  c.flags = {
      {"detach", 'd', false, "", "Run the container in the background and print its name"},
      {"entrypoint", 0, true, "CMD", "Override the entrypoint of the image"},
      {"env", 'e', true, "KEY=VAL", "Set an environment variable (repeatable)"},
      {"name", 0, true, "NAME", "Assign a name to the container"},
      {"no-deps", 0, false, "", "Don't start linked services"},
      {"no-TTY", 'T', false, "", "Disable pseudo-TTY allocation (default: on a terminal)"},
      {"publish", 'p', true, "[IP:]HOST:CONTAINER",
       "Publish a container port on the host (repeatable)"},
      {"rm", 0, false, "", "Automatically remove the container when it exits"},
      {"service-ports", 'P', false, "", "Publish the service's ports"},
      {"user", 'u', true, "USER", "Run as this user"},
      {"volume", 'v', true, "SRC:DST[:MODE]", "Bind mount a volume (repeatable)"},
      {"workdir", 'w', true, "DIR", "Working directory inside the container"},
  };
  c.flags_before = 1;
  c.positionals = Positionals::Service;
  c.run = run_run;
  return c;
}

} // namespace aic::cli
