#pragma once

// `aic build` and `aic pull`: the images of a project's services, built or pulled as Compose's
// build and pull commands do, with the image steps `up` uses.

#include "engine/docker_client.hpp"
#include "proto/image_requests.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/awaitable.hpp>

namespace aic::supervisor {

/// Checks a build request before anything runs: the named services exist. InvalidSpec when not.
Result<void> validate_build(const LoadedInputs& project, const proto::BuildRequest& request);

/// Builds the images of the selected services (every service when none is named) that have a
/// build: section, in name order, each image once; services without one are skipped. The first
/// failure ends the run. `project` and `request` must outlive the coroutine.
boost::asio::awaitable<Result<void>> build_images(engine::DockerClient& docker,
                                                  const LoadedInputs& project,
                                                  const proto::BuildRequest& request,
                                                  ProgressSink progress);

/// Checks a pull request before anything runs: the named services exist, the policy is known.
Result<void> validate_pull(const LoadedInputs& project, const proto::PullRequest& request);

/// Pulls the images of the selected services as Compose's pull does: a service without an
/// `image:` (build only) is skipped, and so is one whose pull_policy (or the request's policy)
/// is never or build, or missing with the image present. A failed pull of a service that cannot
/// be built ends the run at once; one that can be built is reported with a warning to build it,
/// and fails the run at the end. With ignore_pull_failures every failure is a warning and the
/// run succeeds. `project` and `request` must outlive the coroutine.
boost::asio::awaitable<Result<void>> pull_images(engine::DockerClient& docker,
                                                 const LoadedInputs& project,
                                                 const proto::PullRequest& request,
                                                 ProgressSink progress);

} // namespace aic::supervisor
