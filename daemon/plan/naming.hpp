#pragma once

#include "compose/project.hpp"

#include <map>
#include <string>
#include <string_view>

namespace aic::plan {

/// The label keys Docker Compose puts on what it creates (compose pkg/api/labels.go), so that
/// `docker compose ps` and `docker ps --filter label=…` see aic's projects, and aic's own.
namespace label {
inline constexpr std::string_view kProject = "com.docker.compose.project";
inline constexpr std::string_view kService = "com.docker.compose.service";
inline constexpr std::string_view kNumber = "com.docker.compose.container-number";
inline constexpr std::string_view kOneoff = "com.docker.compose.oneoff";
inline constexpr std::string_view kConfigHash = "com.docker.compose.config-hash";
inline constexpr std::string_view kWorkingDir = "com.docker.compose.project.working_dir";
inline constexpr std::string_view kConfigFiles = "com.docker.compose.project.config_files";
inline constexpr std::string_view kDependsOn = "com.docker.compose.depends_on";
inline constexpr std::string_view kVersion = "com.docker.compose.version";
inline constexpr std::string_view kNetwork = "com.docker.compose.network";
inline constexpr std::string_view kVolume = "com.docker.compose.volume";
inline constexpr std::string_view kImage = "com.docker.compose.image";
/// aic's own facts: which program created it, and the version of aic that did.
inline constexpr std::string_view kManagedBy = "io.aic.managed-by";
inline constexpr std::string_view kAicVersion = "io.aic.version";
/// The GPUs aicd placed the container on (docs/gpus.md): comma-separated UUIDs, "exclusive" or
/// "shared", bytes reserved per device, and the hash of the request they answer.
inline constexpr std::string_view kGpuUuids = "io.aic.gpu.uuids";
inline constexpr std::string_view kGpuMode = "io.aic.gpu.mode";
inline constexpr std::string_view kGpuMemory = "io.aic.gpu.memory";
inline constexpr std::string_view kGpuRequest = "io.aic.gpu.request";
/// "true" on a container aicd created that asks the engine for no GPU at all (no device
/// request, no CDI name, no NVIDIA_VISIBLE_DEVICES under the nvidia runtime): the GPU ledger
/// counts it without inspecting it.
inline constexpr std::string_view kGpuNone = "io.aic.gpu.none";
} // namespace label

/// The Compose version aic reports in `com.docker.compose.version` (the v2 line it follows).
inline constexpr std::string_view kComposeVersion = "2.24.0";
inline constexpr std::string_view kAicVersion = "0.1.0";

/// `key=value`: how the engine's list and event queries filter by a label's value.
std::string label_filter(std::string_view key, std::string_view value);

/// The value of label `key`, or "" when absent.
std::string label_value(const std::map<std::string, std::string>& labels, std::string_view key);

/// The com.docker.compose.container-number label as a number; 0 when absent or malformed.
int container_number(const std::map<std::string, std::string>& labels);

/// `<project>-<service>-<n>`, Compose v2's container name.
std::string container_name(std::string_view project, std::string_view service, int number);

/// The name of replica `number` of `service`: its `container_name` when set, else the default.
std::string container_name(const compose::ProjectSpec& project, const compose::ServiceSpec& service,
                           int number);

/// `svc:condition:restart,…`, as Compose writes `com.docker.compose.depends_on`.
std::string depends_on_label(const compose::ServiceSpec& service);

/// Every label of a service container, the service's own `labels:` first so ours win.
std::map<std::string, std::string> container_labels(const compose::ProjectSpec& project,
                                                    const compose::ServiceSpec& service, int number,
                                                    const std::string& config_hash);

/// Labels of a network or volume aic creates for `project` under the compose key `key`.
std::map<std::string, std::string> network_labels(const compose::ProjectSpec& project,
                                                  const compose::NetworkSpec& network);
std::map<std::string, std::string> volume_labels(const compose::ProjectSpec& project,
                                                 const compose::NamedVolumeSpec& volume);

} // namespace aic::plan
