#pragma once

// One event of aicd's event stream (GET /v1/events, docs/api.md "Events"): what happened to a
// project's containers (from the engine), to its operations (from aicd), and later to its GPU
// leases.

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace aic::proto {

/// The `type` of a ProjectEvent, and the SSE `event:` name of its frame.
namespace event_type {
/// `action` is the engine's own: create, start, die, stop, kill, pause, unpause, restart,
/// destroy, oom, rename, "health_status: healthy", "exec_start: sh -c …", …
inline constexpr std::string_view kContainer = "container";
/// `action` is "<operation> started", "<operation> finished" or "<operation> failed" (with
/// attributes.error), for the operations up, down, stop (and those added later).
inline constexpr std::string_view kOperation = "operation";
/// GPU holds (docs/gpus.md): `action` is "allocated" (a container was created on GPUs) or
/// "released" (it was removed), with attributes uuids, mode and memory.
inline constexpr std::string_view kGpu = "gpu";
/// aicd's supervision (docs/supervision.md): `action` is "restart scheduled", "restarting",
/// "restarted", "restart failed", "restart cancelled", "gave up", "budget reset" or "restart seen",
/// with attributes reason, attempt and detail.
inline constexpr std::string_view kSupervisor = "supervisor";
} // namespace event_type

/// The phases an operation event reports, as the suffix of its action.
namespace operation_phase {
inline constexpr std::string_view kStarted = "started";
inline constexpr std::string_view kFinished = "finished";
inline constexpr std::string_view kFailed = "failed";
} // namespace operation_phase

struct ProjectEvent {
  /// Increases by one per published event (of any project) and never repeats within one run of
  /// aicd; it starts again at 1 when aicd restarts.
  std::uint64_t id = 0;
  std::int64_t time_ns = 0; ///< unix nanoseconds; on the wire "time", RFC 3339 UTC
  std::string project;
  std::string type; ///< event_type
  std::string action;
  std::string service;      ///< "" for project-wide events
  std::string container;    ///< the container's name, "" when not about one container
  std::string container_id; ///< the engine's full id
  /// The engine's attributes (image, name, exitCode, labels other than com.docker.compose.*),
  /// or aicd's (error).
  std::map<std::string, std::string> attributes;

  bool operator==(const ProjectEvent&) const = default;
};

/// {"id","time","project","type","action","service","container","container_id","attributes"}.
void to_json(nlohmann::json& j, const ProjectEvent& v);
/// The inverse; a "time" that is not RFC 3339 leaves time_ns 0.
void from_json(const nlohmann::json& j, ProjectEvent& v);

/// "2024-05-01T10:00:00.123456789Z": UTC, always nine fraction digits.
std::string format_rfc3339_ns(std::int64_t unix_ns);
/// Reads "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)" into unix nanoseconds; nullopt otherwise,
/// and for times that 64-bit nanoseconds cannot hold (before 1678, after 2261), such as the
/// engine's "0001-01-01T00:00:00Z" for never.
std::optional<std::int64_t> parse_rfc3339_ns(std::string_view text);

} // namespace aic::proto
