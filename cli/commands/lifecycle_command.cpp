#include "cli/commands/lifecycle_command.hpp"

#include "cli/commands/ps_logs_command.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"
#include "proto/error_body.hpp"

#include <iostream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <unistd.h>

namespace aic::cli {
namespace {

/// `?services=a,b` plus extra query items ("timeout=3"); "" when there are none.
std::string query_for(const ParsedArgs& args, std::vector<std::string> extra) {
  std::string services;
  for (const auto& s : args.positionals()) {
    services += (services.empty() ? "" : ",") + s;
  }
  if (!services.empty()) {
    extra.insert(extra.begin(), "services=" + services);
  }
  std::string out;
  for (const auto& e : extra) {
    out += (out.empty() ? "?" : "&") + e;
  }
  return out;
}

/// Sends POST /v1/projects/<p>/<action><query> and shows the progress; the exit code.
int send_action(const Invocation& inv, const ParsedArgs& args, const std::string& action,
                const std::string& query) {
  std::ostream& err = *inv.err;
  for (const auto& s : args.positionals()) {
    if (s.find(',') != std::string::npos || s.empty()) {
      return usage_error(err, action, "invalid service name \"" + s + "\"");
    }
  }
  std::optional<ProgressMode> mode =
      parse_progress_mode(args.last("progress").value_or("auto"), ::isatty(2) == 1);
  if (!mode) {
    return usage_error(err, action, "invalid --progress: use auto, tty, plain, quiet or json");
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
  ProgressView view(*mode, err, "Running");
  std::string path = project_path(*name) + "/" + action + query;
  Result<void> done = run_operation(**client, "POST", path, nlohmann::json(), view);
  if (!done) {
    print_error(err, done.error());
    return exit_code_for(done.error());
  }
  return static_cast<int>(ExitCode::Ok);
}

/// "timeout=N" from -t/--timeout, or a usage error (nullopt result and `error` set).
std::optional<std::string> timeout_item(const Invocation& inv, const ParsedArgs& args,
                                        const std::string& command, int& error) {
  auto t = args.last("timeout");
  if (!t) {
    return std::string();
  }
  if (!parse_count(*t)) {
    error = usage_error(*inv.err, command, "invalid --timeout \"" + *t + "\": seconds expected");
    return std::nullopt;
  }
  return "timeout=" + *t;
}

int simple_action(const Invocation& inv, const ParsedArgs& args, const std::string& action) {
  std::vector<std::string> extra;
  if (action == "stop" || action == "restart") {
    int error = 0;
    std::optional<std::string> t = timeout_item(inv, args, action, error);
    if (!t) {
      return error;
    }
    if (!t->empty()) {
      extra.push_back(*t);
    }
  }
  return send_action(inv, args, action, query_for(args, extra));
}

int run_kill(const Invocation& inv, const ParsedArgs& args) {
  std::string signal = args.last("signal").value_or("SIGKILL");
  for (char c : signal) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      return usage_error(*inv.err, "kill", "invalid --signal \"" + signal + "\"");
    }
  }
  return send_action(inv, args, "kill", query_for(args, {"signal=" + signal}));
}

int run_rm(const Invocation& inv, const ParsedArgs& args) {
  std::vector<std::string> extra;
  if (args.has("stop")) {
    extra.push_back("stop=true");
  }
  if (args.has("volumes")) {
    extra.push_back("volumes=true");
  }
  if (!args.has("force")) {
    // As compose asks; a closed or non-interactive stdin answers no.
    *inv.err << "Going to remove the " << (args.has("stop") ? "" : "stopped ") << "containers of "
             << (args.positionals().empty() ? std::string("every service") : "the named services")
             << ". Are you sure? [yN] " << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || (answer != "y" && answer != "Y" && answer != "yes")) {
      *inv.err << "Nothing removed.\n";
      return static_cast<int>(ExitCode::Ok);
    }
  }
  return send_action(inv, args, "rm", query_for(args, extra));
}

int run_wait(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  if (args.positionals().empty()) {
    return usage_error(err, "wait", "name at least one service");
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
  std::optional<int> first_exit;
  std::optional<Error> failure;
  auto on_line = [&](std::string_view line) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) {
      return false;
    }
    if (j.contains("error") && j["error"].is_object()) {
      failure = proto::error_from_body(j);
      return false;
    }
    if (j.contains("done")) {
      return false;
    }
    if (auto code = j.find("exit_code"); code != j.end() && code->is_number_integer()) {
      *inv.out << "container \"" << j.value("container", "") << "\" exited with status code "
               << code->get<int>() << "\n";
      if (!first_exit) {
        first_exit = code->get<int>();
      }
    }
    return true;
  };
  std::string path = project_path(*name) + "/wait" + query_for(args, {});
  Result<void> streamed = (*client)->stream("POST", path, std::nullopt, on_line, &interrupted());
  if (!streamed) {
    print_error(err, streamed.error());
    return exit_code_for(streamed.error());
  }
  if (failure) {
    print_error(err, *failure);
    return exit_code_for(*failure);
  }
  if (args.has("down-project")) {
    ProgressView view(ProgressMode::Plain, err, "Running");
    Result<void> down =
        run_operation(**client, "DELETE", project_path(*name), nlohmann::json(), view);
    if (!down) {
      print_error(err, down.error());
      return exit_code_for(down.error());
    }
  }
  return first_exit.value_or(0);
}

const FlagSpec kProgress = {"progress", 0, true, "MODE",
                            "Progress output: auto, tty, plain, quiet, json"};

CommandSpec action_spec(std::string name, std::string summary, std::vector<FlagSpec> flags) {
  CommandSpec c;
  c.name = name;
  c.summary = std::move(summary);
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = std::move(flags);
  c.flags.push_back(kProgress);
  c.run = [name](const Invocation& inv, const ParsedArgs& args) {
    return simple_action(inv, args, name);
  };
  return c;
}

} // namespace

CommandSpec start_command() {
  return action_spec("start", "Start services", {});
}

CommandSpec stop_command() {
  return action_spec("stop", "Stop services",
                     {{"timeout", 't', true, "SECONDS", "Specify a shutdown timeout in seconds"}});
}

CommandSpec restart_command() {
  return action_spec("restart", "Restart service containers",
                     {{"timeout", 't', true, "SECONDS", "Specify a shutdown timeout in seconds"}});
}

CommandSpec pause_command() {
  return action_spec("pause", "Pause services", {});
}

CommandSpec unpause_command() {
  return action_spec("unpause", "Unpause services", {});
}

CommandSpec kill_command() {
  CommandSpec c = action_spec(
      "kill", "Force stop service containers",
      {{"signal", 's', true, "SIGNAL", "SIGNAL to send to the container (default SIGKILL)"}});
  c.run = run_kill;
  return c;
}

CommandSpec rm_command() {
  CommandSpec c = action_spec(
      "rm", "Removes stopped service containers",
      {{"force", 'f', false, "", "Don't ask to confirm removal"},
       {"stop", 's', false, "", "Stop the containers, if required, before removing"},
       {"volumes", 'v', false, "", "Remove any anonymous volumes attached to containers"}});
  c.run = run_rm;
  return c;
}

CommandSpec wait_command() {
  CommandSpec c;
  c.name = "wait";
  c.summary = "Block until containers of all (or specified) services stop";
  c.usage = "SERVICE [SERVICE...] [OPTIONS]";
  c.flags = {{"down-project", 0, false, "", "Drops the project when the first container stops"}};
  c.run = run_wait;
  return c;
}

} // namespace aic::cli
