#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aic::engine {

/// POST /containers/{id}/exec.
struct ExecCreate {
  std::vector<std::string> cmd;
  std::vector<std::string> env; ///< "K=V", added to the container's environment
  std::string user;             ///< "" = the container's user
  std::string working_dir;      ///< "" = the container's working directory
  bool tty = false;
  bool attach_stdin = false;
  bool attach_stdout = false;
  bool attach_stderr = false;
  bool privileged = false;
  std::string detach_keys; ///< "" = the engine default (ctrl-p,ctrl-q)

  bool operator==(const ExecCreate&) const = default;
};

/// GET /exec/{id}/json.
struct ExecInspect {
  std::string id;
  std::string container_id;
  bool running = false;
  std::optional<int> exit_code; ///< nullopt until the process has exited
  int pid = 0;                  ///< 0 before the exec starts
  bool tty = false;             ///< created with a TTY (ProcessConfig.tty): its stream is raw

  bool operator==(const ExecInspect&) const = default;
};

} // namespace aic::engine
