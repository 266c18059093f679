#pragma once

#include "cli/command.hpp"
#include "proto/gpu_types.hpp"

#include <string>

namespace aic::cli {

/// `aic gpus`: the GPUs aicd schedules on, their memory and use, and who holds each.
CommandSpec gpus_command();

/// The table `aic gpus` prints: a source line, then one row per device.
std::string render_gpus_table(const proto::GpuStatus& status);

} // namespace aic::cli
