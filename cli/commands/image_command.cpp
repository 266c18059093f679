#include "cli/commands/image_command.hpp"

#include "cli/compose_inputs.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "proto/image_requests.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <unistd.h>

namespace aic::cli {
namespace {

const FlagSpec kProgressFlag{"progress", 0, true, "MODE",
                             "Progress output: auto, tty, plain, quiet, json"};

/// --progress, or quiet with -q.
std::optional<ProgressMode> progress_mode(const ParsedArgs& args) {
  if (args.has("quiet")) {
    return ProgressMode::Quiet;
  }
  return parse_progress_mode(args.last("progress").value_or("auto"), ::isatty(2) == 1);
}

/// Loads the project (the named services' profiles enabled, as compose does) and sends `body`
/// with its inputs to `POST /v1/projects/{name}/<action>`, showing the progress.
int send(const Invocation& inv, const ParsedArgs& args, const std::string& action,
         nlohmann::json body, ProgressMode mode, const std::string& title) {
  std::ostream& err = *inv.err;
  compose::LoadOptions load = load_options_from(args, inv);
  load.services = args.positionals();
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
  body["inputs"] = project->inputs;
  ProgressView view(mode, err, title);
  Result<void> done = run_operation(**client, "POST",
                                    project_path(project->loaded.name) + "/" + action, body, view);
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_build(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  proto::BuildRequest request;
  request.services = args.positionals();
  request.no_cache = args.has("no-cache");
  request.pull = args.has("pull");
  request.quiet = args.has("quiet");
  for (const auto& arg : args.all("build-arg")) {
    const std::size_t eq = arg.find('=');
    const std::string key = arg.substr(0, eq);
    if (key.empty()) {
      return usage_error(err, "build", "invalid --build-arg \"" + arg + "\": use KEY=VALUE");
    }
    if (eq != std::string::npos) {
      request.build_args[key] = arg.substr(eq + 1);
      continue;
    }
    // KEY alone takes the value from the environment, as compose does; unset, it stays unset.
    auto env = inv.environment.find(key);
    request.build_args[key] =
        env != inv.environment.end() ? std::optional<std::string>(env->second) : std::nullopt;
  }
  std::optional<ProgressMode> mode = progress_mode(args);
  if (!mode) {
    return usage_error(err, "build", "invalid --progress: use auto, tty, plain, quiet or json");
  }
  nlohmann::json body = request;
  return send(inv, args, "build", body, *mode, "Building");
}

int run_pull(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  proto::PullRequest request;
  request.services = args.positionals();
  request.quiet = args.has("quiet");
  request.ignore_pull_failures = args.has("ignore-pull-failures");
  request.include_deps = args.has("include-deps");
  request.ignore_buildable = args.has("ignore-buildable");
  request.policy = args.last("policy").value_or("");
  if (!request.policy.empty() && request.policy != "missing" && request.policy != "always") {
    return usage_error(err, "pull",
                       "invalid --policy \"" + request.policy + "\": use missing or always");
  }
  std::optional<ProgressMode> mode = progress_mode(args);
  if (!mode) {
    return usage_error(err, "pull", "invalid --progress: use auto, tty, plain, quiet or json");
  }
  nlohmann::json body = request;
  return send(inv, args, "pull", body, *mode, "Pulling");
}

} // namespace

CommandSpec build_command() {
  CommandSpec c;
  c.name = "build";
  c.summary = "Build or rebuild services";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {
      {"build-arg", 0, true, "KEY=VAL", "Set build-time variables for services (repeatable)"},
      {"no-cache", 0, false, "", "Do not use cache when building the image"},
      {"pull", 0, false, "", "Always attempt to pull a newer version of the image"},
      {"quiet", 'q', false, "", "Don't print anything but errors"},
      kProgressFlag,
  };
  c.run = run_build;
  return c;
}

CommandSpec pull_command() {
  CommandSpec c;
  c.name = "pull";
  c.summary = "Pull service images";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {
      {"ignore-pull-failures", 0, false, "",
       "Pull what it can and ignores images with pull failures"},
      {"include-deps", 0, false, "", "Also pull services declared as dependencies"},
      {"ignore-buildable", 0, false, "", "Ignore images that can be built"},
      {"policy", 0, true, "POLICY", "Apply pull policy: missing or always"},
      {"quiet", 'q', false, "", "Pull without printing progress information"},
      kProgressFlag,
  };
  c.run = run_pull;
  return c;
}

} // namespace aic::cli
