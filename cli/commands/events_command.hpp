#pragma once

#include "cli/command.hpp"
#include "proto/project_event.hpp"

#include <string>

namespace aic::cli {

/// `aic events [--json] [SERVICE...]`: the project's container events, followed from aicd's
/// event stream (GET /v1/projects/{name}/events) until Ctrl-C, printed as `docker compose
/// events` prints them.
CommandSpec events_command();

/// The plain line of an event: "2024-05-01 10:00:00.123456789 +0000 UTC container stop <id>
/// (image=busybox, name=demo-web-1, service=web)", attributes sorted by key.
std::string format_event_line(const proto::ProjectEvent& event);

/// The --json line of an event, as compose writes it:
/// {"action","attributes","id","service","time","type"} with the container's id as "id".
std::string format_event_json(const proto::ProjectEvent& event);

} // namespace aic::cli
