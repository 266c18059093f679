#include "proto/gpu_types.hpp"

#include "proto/json_fields.hpp"
#include "proto/project_event.hpp"

namespace aic::proto {

void to_json(nlohmann::json& j, const GpuHolder& v) {
  j = {{"container", v.container}, {"project", v.project}, {"service", v.service},
       {"number", v.number},       {"mode", v.mode},       {"memory", v.memory},
       {"foreign", v.foreign},     {"state", v.state}};
}

void from_json(const nlohmann::json& j, GpuHolder& v) {
  read_field(j, "container", v.container);
  read_field(j, "project", v.project);
  read_field(j, "service", v.service);
  read_field(j, "number", v.number);
  read_field(j, "mode", v.mode);
  read_field(j, "memory", v.memory);
  read_field(j, "foreign", v.foreign);
  read_field(j, "state", v.state);
}

void to_json(nlohmann::json& j, const GpuDevice& v) {
  j = {{"index", v.index},
       {"uuid", v.uuid},
       {"name", v.name},
       {"memory_total", v.memory_total},
       {"memory_used", v.memory_used},
       {"memory_reserved", v.memory_reserved},
       {"utilization", v.utilization},
       {"mig", v.mig},
       {"healthy", v.healthy},
       {"holders", v.holders}};
}

void from_json(const nlohmann::json& j, GpuDevice& v) {
  read_field(j, "index", v.index);
  read_field(j, "uuid", v.uuid);
  read_field(j, "name", v.name);
  read_field(j, "memory_total", v.memory_total);
  read_field(j, "memory_used", v.memory_used);
  read_field(j, "memory_reserved", v.memory_reserved);
  read_field(j, "utilization", v.utilization);
  read_field(j, "mig", v.mig);
  read_field(j, "healthy", v.healthy);
  read_field(j, "holders", v.holders);
}

void to_json(nlohmann::json& j, const GpuStatus& v) {
  j = {{"source", v.source},   {"driver_version", v.driver_version},
       {"detail", v.detail},   {"policy", v.policy},
       {"devices", v.devices}, {"warnings", v.warnings}};
  if (v.probed_ns != 0) {
    j["probed"] = format_rfc3339_ns(v.probed_ns);
  }
}

void from_json(const nlohmann::json& j, GpuStatus& v) {
  read_field(j, "source", v.source);
  read_field(j, "driver_version", v.driver_version);
  read_field(j, "detail", v.detail);
  read_field(j, "policy", v.policy);
  std::string probed;
  read_field(j, "probed", probed);
  v.probed_ns = parse_rfc3339_ns(probed).value_or(0);
  read_field(j, "devices", v.devices);
  read_field(j, "warnings", v.warnings);
}

} // namespace aic::proto
