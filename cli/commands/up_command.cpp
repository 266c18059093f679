#include "cli/commands/up_command.hpp"

#include "cli/commands/ps_logs_command.hpp"
#include "cli/compose_inputs.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <unistd.h>

namespace aic::cli {
namespace {

std::vector<FlagSpec> up_flags(bool create_only) {
  std::vector<FlagSpec> own = {
      {"build", 0, false, "", "Build images before starting containers"},
      {"no-build", 0, false, "", "Don't build an image, even if it's missing"},
      {"pull", 0, true, "POLICY", "Pull image before running: always, missing, never"},
      {"force-recreate", 0, false, "", "Recreate containers even if nothing changed"},
      {"no-recreate", 0, false, "", "Don't recreate containers that exist"},
      {"remove-orphans", 0, false, "", "Remove containers of services not in the files"},
      {"scale", 0, true, "SERVICE=N", "Scale SERVICE to N replicas (repeatable)"},
      {"progress", 0, true, "MODE", "Progress output: auto, tty, plain, quiet, json"},
  };
  if (!create_only) {
    std::vector<FlagSpec> up_only = {
        {"detach", 'd', false, "", "Detached mode: run containers in the background"},
        {"wait", 0, false, "", "Wait for services to be running or healthy (implies -d)"},
        {"wait-timeout", 0, true, "SECONDS", "Maximum time to wait, with --wait"},
        {"no-deps", 0, false, "", "Don't start linked services"},
        {"no-start", 0, false, "", "Don't start the services after creating them"},
        {"timeout", 't', true, "SECONDS", "Shutdown timeout for replaced containers"},
    };
    own.insert(own.end(), up_only.begin(), up_only.end());
  }
  return own;
}

int run_up(const Invocation& inv, const ParsedArgs& args, bool create_only) {
  std::ostream& err = *inv.err;
  const std::string command = create_only ? "create" : "up";

  proto::UpOptions options;
  options.services = args.positionals();
  options.no_start = create_only || args.has("no-start");
  options.force_recreate = args.has("force-recreate");
  options.no_recreate = args.has("no-recreate");
  options.no_deps = args.has("no-deps");
  options.remove_orphans = args.has("remove-orphans");
  options.wait = args.has("wait");
  if (args.has("build") && args.has("no-build")) {
    return usage_error(err, command, "--build and --no-build are incompatible");
  }
  if (options.force_recreate && options.no_recreate) {
    return usage_error(err, command, "--force-recreate and --no-recreate are incompatible");
  }
  if (options.wait && options.no_start) {
    return usage_error(err, command, "--wait and --no-start are incompatible");
  }
  options.build = args.has("build") ? "always" : args.has("no-build") ? "never" : "";
  if (auto pull = args.last("pull")) {
    if (*pull != "always" && *pull != "missing" && *pull != "never") {
      return usage_error(err, command,
                         "invalid --pull \"" + *pull + "\": use always, missing or never");
    }
    options.pull = *pull;
  }
  if (auto t = args.last("wait-timeout")) {
    std::optional<int> v = parse_count(*t);
    if (!v) {
      return usage_error(err, command, "invalid --wait-timeout \"" + *t + "\": seconds expected");
    }
    options.wait_timeout_s = *v;
  }
  if (auto t = args.last("timeout")) {
    std::optional<int> v = parse_count(*t);
    if (!v) {
      return usage_error(err, command, "invalid --timeout \"" + *t + "\": seconds expected");
    }
    options.timeout_s = *v;
  }
  for (const auto& s : args.all("scale")) {
    auto eq = s.find('=');
    std::optional<int> n = eq == std::string::npos ? std::nullopt : parse_count(s.substr(eq + 1));
    if (eq == 0 || !n) {
      return usage_error(err, command, "invalid --scale \"" + s + "\": use SERVICE=N");
    }
    options.scale[s.substr(0, eq)] = *n;
  }
  std::optional<ProgressMode> mode =
      parse_progress_mode(args.last("progress").value_or("auto"), ::isatty(2) == 1);
  if (!mode) {
    return usage_error(err, command, "invalid --progress: use auto, tty, plain, quiet or json");
  }
  bool detach = create_only || args.has("detach") || options.wait || options.no_start;

  compose::LoadOptions load = load_options_from(args, inv);
  load.services = options.services;
  Result<PreparedProject> project = prepare_project_to_send(load);
  if (!project) {
    print_error(err, project.error());
    return static_cast<int>(ExitCode::Failure);
  }
  for (const auto& w : project->loaded.warnings) {
    err << "warning: " << w << "\n";
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  proto::UpRequest request{project->inputs, options};
  nlohmann::json body = request;
  ProgressView view(*mode, err, "Running");
  Result<void> done =
      run_operation(**client, "PUT", project_path(project->loaded.name), body, view);
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  if (detach) {
    return static_cast<int>(ExitCode::Ok);
  }
  // Attached: follow the logs until every container stopped, or Ctrl-C stops them.
  bool color = ::isatty(1) == 1;
  Result<void> followed = follow_logs(**client, project->loaded.name, *inv.out, color,
                                      "follow=true&tail=all&exit_when_stopped=true");
  if (!followed) {
    print_error(err, followed.error());
    return exit_code_for(followed.error());
  }
  if (interrupted()) {
    interrupted() = false;
    err << "Gracefully stopping... (press Ctrl+C again to force)\n";
    ProgressView stop_view(*mode, err, "Stopping");
    std::string path = project_path(project->loaded.name) + "/stop";
    if (options.timeout_s) {
      path += "?timeout=" + std::to_string(*options.timeout_s);
    }
    Result<void> stopped = run_operation(**client, "POST", path, nlohmann::json(), stop_view);
    if (!stopped) {
      print_error(err, stopped.error());
      return exit_code_for(stopped.error());
    }
    return 130;
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_down(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  if (!args.positionals().empty()) {
    return usage_error(err, "down", "down takes no service names");
  }
  std::string query;
  if (args.has("volumes")) {
    query += "&volumes=true";
  }
  if (auto rmi = args.last("rmi")) {
    if (*rmi != "local" && *rmi != "all") {
      return usage_error(err, "down", "invalid --rmi \"" + *rmi + "\": use local or all");
    }
    query += "&rmi=" + *rmi;
  }
  if (args.has("remove-orphans")) {
    query += "&remove_orphans=true";
  }
  if (auto t = args.last("timeout")) {
    if (!parse_count(*t)) {
      return usage_error(err, "down", "invalid --timeout \"" + *t + "\": seconds expected");
    }
    query += "&timeout=" + *t;
  }
  std::optional<ProgressMode> mode =
      parse_progress_mode(args.last("progress").value_or("auto"), ::isatty(2) == 1);
  if (!mode) {
    return usage_error(err, "down", "invalid --progress: use auto, tty, plain, quiet or json");
  }

  // The project name: -p, else the files (as compose does, so `down` works from the project's
  // directory), which are not sent: aicd removes what carries the project's label.
  std::string name;
  if (auto p = args.last("project-name"); p && args.all("file").empty()) {
    name = *p;
  } else {
    Result<PreparedProject> project = prepare_project(load_options_from(args, inv));
    if (!project) {
      print_error(err, project.error());
      return static_cast<int>(ExitCode::Failure);
    }
    name = project->loaded.name;
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  std::string path = project_path(name);
  if (!query.empty()) {
    path += "?" + query.substr(1);
  }
  ProgressView view(*mode, err, "Running");
  Result<void> done = run_operation(**client, "DELETE", path, nlohmann::json(), view);
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

CommandSpec up_command() {
  CommandSpec c;
  c.name = "up";
  c.summary = "Create and start containers";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = up_flags(false);
  c.run = [](const Invocation& inv, const ParsedArgs& args) { return run_up(inv, args, false); };
  return c;
}

CommandSpec create_command() {
  CommandSpec c;
  c.name = "create";
  c.summary = "Creates containers for a service";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = up_flags(true);
  c.run = [](const Invocation& inv, const ParsedArgs& args) { return run_up(inv, args, true); };
  return c;
}

CommandSpec down_command() {
  CommandSpec c;
  c.name = "down";
  c.summary = "Stop and remove containers, networks";
  c.usage = "[OPTIONS]";
  c.flags = {
      {"volumes", 'v', false, "", "Remove named volumes and anonymous volumes"},
      {"rmi", 0, true, "TYPE", "Remove images used by services: local or all"},
      {"remove-orphans", 0, false, "", "Remove containers of services not in the files"},
      {"timeout", 't', true, "SECONDS", "Shutdown timeout in seconds"},
      {"progress", 0, true, "MODE", "Progress output: auto, tty, plain, quiet, json"},
  };
  c.positionals = Positionals::None;
  c.run = run_down;
  return c;
}

} // namespace aic::cli
