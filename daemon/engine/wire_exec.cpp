#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

namespace aic::engine {

std::string encode_exec_create(const ExecCreate& exec) {
  wire::Json body = wire::Json::object();
  body["Cmd"] = exec.cmd;
  if (!exec.env.empty()) {
    body["Env"] = exec.env;
  }
  if (!exec.user.empty()) {
    body["User"] = exec.user;
  }
  if (!exec.working_dir.empty()) {
    body["WorkingDir"] = exec.working_dir;
  }
  if (exec.tty) {
    body["Tty"] = true;
  }
  if (exec.attach_stdin) {
    body["AttachStdin"] = true;
  }
  if (exec.attach_stdout) {
    body["AttachStdout"] = true;
  }
  if (exec.attach_stderr) {
    body["AttachStderr"] = true;
  }
  if (exec.privileged) {
    body["Privileged"] = true;
  }
  if (!exec.detach_keys.empty()) {
    body["DetachKeys"] = exec.detach_keys;
  }
  return wire::dump(body);
}

Result<ExecInspect> decode_exec_inspect(std::string_view body) {
  return wire::decode_object<ExecInspect>(
      body, "exec inspect", [](const wire::Node& root, ExecInspect& out) {
        root["ID"].read(out.id);
        root["ContainerID"].read(out.container_id);
        root["Running"].read(out.running);
        root["ExitCode"].read(out.exit_code);
        root["Pid"].read(out.pid);
        root["ProcessConfig"]["tty"].read(out.tty);
        if (out.running) {
          out.exit_code.reset(); // some engines report 0 while the process still runs
        }
      });
}

} // namespace aic::engine
