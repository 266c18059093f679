#include "proto/exec_types.hpp"

#include "proto/json_fields.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {

void to_json(nlohmann::json& j, const ExecRequest& v) {
  j = {{"service", v.service}, {"index", v.index},
       {"command", v.command}, {"tty", v.tty},
       {"stdin", v.stdin},     {"detach", v.detach},
       {"user", v.user},       {"workdir", v.workdir},
       {"env", v.env},         {"privileged", v.privileged}};
}

void from_json(const nlohmann::json& j, ExecRequest& v) {
  read_field(j, "service", v.service);
  read_field(j, "index", v.index);
  read_field(j, "command", v.command);
  read_field(j, "tty", v.tty);
  read_field(j, "stdin", v.stdin);
  read_field(j, "detach", v.detach);
  read_field(j, "user", v.user);
  read_field(j, "workdir", v.workdir);
  read_field(j, "env", v.env);
  read_field(j, "privileged", v.privileged);
}

void to_json(nlohmann::json& j, const RunRequest& v) {
  j = {{"service", v.service},
       {"env", v.env},
       {"user", v.user},
       {"workdir", v.workdir},
       {"volumes", v.volumes},
       {"publish", v.publish},
       {"service_ports", v.service_ports},
       {"rm", v.rm},
       {"no_deps", v.no_deps},
       {"tty", v.tty},
       {"stdin", v.stdin},
       {"detach", v.detach},
       {"name", v.name},
       {"inputs", v.inputs}};
  if (v.command) {
    j["command"] = *v.command;
  }
  if (v.entrypoint) {
    j["entrypoint"] = *v.entrypoint;
  }
}

void from_json(const nlohmann::json& j, RunRequest& v) {
  read_field(j, "service", v.service);
  read_field(j, "command", v.command);
  read_field(j, "entrypoint", v.entrypoint);
  read_field(j, "env", v.env);
  read_field(j, "user", v.user);
  read_field(j, "workdir", v.workdir);
  read_field(j, "volumes", v.volumes);
  read_field(j, "publish", v.publish);
  read_field(j, "service_ports", v.service_ports);
  read_field(j, "rm", v.rm);
  read_field(j, "no_deps", v.no_deps);
  read_field(j, "tty", v.tty);
  read_field(j, "stdin", v.stdin);
  read_field(j, "detach", v.detach);
  read_field(j, "name", v.name);
  read_field(j, "inputs", v.inputs);
}

} // namespace aic::proto
