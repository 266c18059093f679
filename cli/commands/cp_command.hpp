#pragma once

#include "cli/command.hpp"

namespace aic::cli {

/// `aic cp`: copies files between a service's container and the local filesystem, with
/// `docker cp`'s semantics; the tar is made and extracted here, aicd passes it to the engine.
CommandSpec cp_command();

/// The largest archive `aic cp` sends to a container: aicd's request body limit.
inline constexpr std::size_t kMaxCopyUpload = std::size_t{64} << 20;

} // namespace aic::cli
