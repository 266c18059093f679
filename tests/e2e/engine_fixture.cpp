#include "engine_fixture.hpp"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace aic::e2e {
namespace {

struct EngineState {
  bool probed = false;
  bool available = false;
  std::string reason = "the e2e global environment did not run (is tests/e2e/main.cpp linked?)";
};

EngineState& engine_state() {
  static EngineState state;
  return state;
}

/// The engine's answer to GET /_ping ("OK"), or why there was none.
bool ping(const std::string& socket_path, std::string& why_not) {
  const ShellResult r = run_shell("curl -sS --max-time 5 --unix-socket " +
                                  shell_quote(socket_path) + " http://localhost/_ping 2>&1");
  if (r.exit_code == 0 && r.out == "OK") {
    return true;
  }
  why_not = "the Docker engine at " + socket_path + " does not answer GET /_ping (curl exit " +
            std::to_string(r.exit_code) + ": " + trim(r.out) +
            "); start it with scripts/start-dockerd.sh";
  return false;
}

std::string probe_engine() {
  const char* host = std::getenv("DOCKER_HOST");
  if (host != nullptr && *host != '\0' && !std::string_view(host).starts_with("unix://")) {
    return std::string("DOCKER_HOST=") + host + " is not a unix socket; the e2e tests need one";
  }
  if (run_shell("command -v docker >/dev/null && command -v curl >/dev/null").exit_code != 0) {
    return "the docker CLI or curl is not installed (scripts/install-deps.sh installs both)";
  }
  std::string why_not;
  if (!ping(engine_socket(), why_not)) {
    return why_not;
  }
  const std::string script = std::string(AIC_SOURCE_DIR) + "/scripts/e2e-image.sh";
  const ShellResult image = run_shell("DOCKER_HOST=" + shell_quote("unix://" + engine_socket()) +
                                      " bash " + shell_quote(script) + " 2>&1");
  if (image.exit_code != 0) {
    return script + " failed (exit " + std::to_string(image.exit_code) + "): " + trim(image.out);
  }
  return "";
}

/// Removes the projects (on the host engine) of e2e test processes that died before their
/// ProjectCleanup ran: every "aice2e-…-<pid>-<n>" project whose pid no longer exists.
void remove_projects_of_dead_runs() {
  const std::string label = std::string(kProjectLabel);
  const std::string list = R"(
docker=(docker -H "unix://$1"); filter=(--filter "label=$2"); format="{{.Label \"$2\"}}"
{ "${docker[@]}" ps -a "${filter[@]}" --format "$format" &
  "${docker[@]}" network ls "${filter[@]}" --format "$format" &
  "${docker[@]}" volume ls "${filter[@]}" --format "$format" &
  wait; } | sort -u
)";
  const ShellResult r = run_shell("bash -c " + shell_quote(list) + " list " +
                                  shell_quote(engine_socket()) + " " + shell_quote(label));
  std::string_view rest = r.out;
  while (!rest.empty()) {
    const auto newline = rest.find('\n');
    const std::string project(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view{} : rest.substr(newline + 1);
    if (!project.starts_with("aice2e-")) {
      continue;
    }
    // aice2e-<test>-<pid>-<n>
    const auto last = project.rfind('-');
    const auto before =
        last == std::string::npos || last == 0 ? std::string::npos : project.rfind('-', last - 1);
    if (before == std::string::npos) {
      continue;
    }
    const std::string pid_text = project.substr(before + 1, last - before - 1);
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) == -1 && errno == ESRCH) {
      (void)remove_project(project, "");
    }
  }
}

} // namespace

const std::string& engine_socket() {
  static const std::string path = [] {
    const char* host = std::getenv("DOCKER_HOST");
    if (host != nullptr && std::string_view(host).starts_with("unix://") &&
        std::string_view(host).size() > 7) {
      return std::string(host + 7);
    }
    return std::string("/var/run/docker.sock");
  }();
  return path;
}

bool engine_available() {
  return engine_state().available;
}

const std::string& engine_unavailable_reason() {
  return engine_state().reason;
}

bool e2e_required() {
  const char* required = std::getenv("AIC_E2E_REQUIRED");
  return required != nullptr && std::string_view(required) == "1";
}

void EngineEnvironment::SetUp() {
  EngineState& state = engine_state();
  if (state.probed) {
    return;
  }
  state.probed = true;
  state.reason = probe_engine();
  state.available = state.reason.empty();
  if (state.available) {
    remove_projects_of_dead_runs();
  }
  if (!state.available && e2e_required()) {
    // Non-fatal, so every test still runs and fails with the reason in its own output.
    ADD_FAILURE() << "AIC_E2E_REQUIRED=1 but " << state.reason;
  }
}

void EngineTest::SetUp() {
  AIC_E2E_REQUIRE_ENGINE();
}

std::string unique_project(std::string_view test_name) {
  static std::atomic<unsigned> counter{0};
  std::string part;
  for (const char c : test_name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) {
      part += static_cast<char>(std::tolower(u));
    } else if (!part.empty() && part.back() != '-') {
      part += '-';
    }
    if (part.size() == 40) {
      break;
    }
  }
  while (!part.empty() && part.back() == '-') {
    part.pop_back();
  }
  if (part.empty()) {
    part = "test";
  }
  return "aice2e-" + part + "-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

ShellResult run_shell(const std::string& cmd) {
  ShellResult result;
  std::fflush(nullptr); // no buffered test output duplicated into the child
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    return result;
  }
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    result.out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  if (status == -1) {
    result.exit_code = -1;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

std::string shell_quote(std::string_view value) {
  std::string quoted = "'";
  for (const char c : value) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string docker_cli(const std::string& socket_path) {
  return "docker -H " +
         shell_quote("unix://" + (socket_path.empty() ? engine_socket() : socket_path));
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    return "";
  }
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

ProjectCleanup::ProjectCleanup(std::string project, std::string socket_path)
    : project_(std::move(project)), socket_path_(std::move(socket_path)) {
  (void)remove_all();
}

ProjectCleanup::~ProjectCleanup() {
  const std::string left = remove_all();
  if (!left.empty()) {
    ADD_FAILURE() << "project " << project_ << " left behind: " << left;
  }
}

std::string remove_project(const std::string& project, const std::string& socket_path) {
  if (socket_path.empty() && !engine_available()) {
    return "";
  }
  // One bash run: containers first (networks and volumes in use cannot be removed), then the
  // rest side by side; a kind is listed again only when something was removed. Prints
  // "kind: ids" for whatever survived.
  const std::string script = R"(
docker=(docker -H "unix://$1"); filter=(--filter "label=$2")
sweep() { # kind, list subcommand, remove subcommand
  local ids; ids=$("${docker[@]}" $2 -q "${filter[@]}" | sort -u)
  [[ -z "$ids" ]] && return 0
  "${docker[@]}" $3 $ids >/dev/null 2>&1
  ids=$("${docker[@]}" $2 -q "${filter[@]}" | sort -u)
  [[ -z "$ids" ]] || echo "$1:" $ids
}
sweep containers "ps -a" "rm -f -v"
out=$(mktemp -d)
sweep networks "network ls" "network rm" >"$out/n" &
sweep volumes "volume ls" "volume rm -f" >"$out/v" &
sweep images "image ls" "rmi -f" >"$out/i" &
wait
cat "$out/n" "$out/v" "$out/i"; rm -rf "$out"
)";
  const ShellResult r = run_shell("bash -c " + shell_quote(script) + " sweep " +
                                  shell_quote(socket_path.empty() ? engine_socket() : socket_path) +
                                  " " + shell_quote(std::string(kProjectLabel) + "=" + project));
  if (r.exit_code != 0) {
    return "cleanup script failed (exit " + std::to_string(r.exit_code) + "): " + trim(r.out);
  }
  return trim(r.out);
}

std::string ProjectCleanup::remove_all() const {
  return remove_project(project_, socket_path_);
}

} // namespace aic::e2e
