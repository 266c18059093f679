#include "proto/exec_types.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

// Absent or null keys keep the default; a key of the wrong type throws nlohmann's type_error,
// which the API turns into a 400.
template <typename T>
void read(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    it->get_to(out);
  }
}

template <typename T>
void read(const nlohmann::json& j, const char* key, std::optional<T>& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    out = it->get<T>();
  }
}

} // namespace

void to_json(nlohmann::json& j, const ExecRequest& v) {
  j = {{"service", v.service}, {"index", v.index},
       {"command", v.command}, {"tty", v.tty},
       {"stdin", v.stdin},     {"detach", v.detach},
       {"user", v.user},       {"workdir", v.workdir},
       {"env", v.env},         {"privileged", v.privileged}};
}

void from_json(const nlohmann::json& j, ExecRequest& v) {
  read(j, "service", v.service);
  read(j, "index", v.index);
  read(j, "command", v.command);
  read(j, "tty", v.tty);
  read(j, "stdin", v.stdin);
  read(j, "detach", v.detach);
  read(j, "user", v.user);
  read(j, "workdir", v.workdir);
  read(j, "env", v.env);
  read(j, "privileged", v.privileged);
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
  read(j, "service", v.service);
  read(j, "command", v.command);
  read(j, "entrypoint", v.entrypoint);
  read(j, "env", v.env);
  read(j, "user", v.user);
  read(j, "workdir", v.workdir);
  read(j, "volumes", v.volumes);
  read(j, "publish", v.publish);
  read(j, "service_ports", v.service_ports);
  read(j, "rm", v.rm);
  read(j, "no_deps", v.no_deps);
  read(j, "tty", v.tty);
  read(j, "stdin", v.stdin);
  read(j, "detach", v.detach);
  read(j, "name", v.name);
  read(j, "inputs", v.inputs);
}

} // namespace aic::proto
