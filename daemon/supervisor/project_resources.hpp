#pragma once

// The project-wide resources containers need: its networks and named volumes, created when
// missing (external ones must exist). Shared by `up` and `run`.

#include "engine/docker_client.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/awaitable.hpp>

namespace aic::supervisor {

/// Creates every network of the project that does not exist yet, labelled as Compose does;
/// NotFound for a missing external network. A name taken meanwhile (409) counts as created.
boost::asio::awaitable<Result<void>>
ensure_networks(engine::DockerClient& docker, const LoadedInputs& project, ProgressSink progress);

/// Creates every named volume of the project that does not exist yet; NotFound for a missing
/// external volume.
boost::asio::awaitable<Result<void>>
ensure_volumes(engine::DockerClient& docker, const LoadedInputs& project, ProgressSink progress);

} // namespace aic::supervisor
