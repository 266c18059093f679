#pragma once

// The image steps `up`, `build` and `pull` share: building a service's image from its build:
// section, and pulling an image, with their progress.

#include "engine/docker_client.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>

namespace aic::supervisor {

/// What `aic build` (or `up --pull always`) adds to a service's build: section.
struct BuildFlags {
  bool pull = false;     ///< always pull a newer version of the base images
  bool no_cache = false; ///< build without the cache
  /// Over the service's build.args (--build-arg); nullopt: the key without a value.
  std::map<std::string, std::optional<std::string>> build_args;
  bool quiet = false; ///< report Building/Built only, not the build's output lines
};

/// Builds the image of `service` (which has a build: section) with the classic builder, tagged
/// with the service's image name and labelled with the project and service (and build.labels),
/// as Compose does. Progress: ("image", <image>, "Building"[, output line]) then "Built".
/// Returns the image ID.
boost::asio::awaitable<Result<std::string>>
build_service_image(engine::DockerClient& docker, const LoadedInputs& project, std::string service,
                    BuildFlags flags, ProgressSink progress);

/// Pulls `image`. Progress: ("image", <image>, "Pulling"[, layer status]) then "Pulled", the
/// layer lines left out when `quiet`. Returns the pulled image's ID ("" when it cannot be
/// inspected afterwards).
boost::asio::awaitable<Result<std::string>>
pull_image(engine::DockerClient& docker, std::string image, bool quiet, ProgressSink progress);

} // namespace aic::supervisor
