#pragma once

// `docker compose run` up to the one-off container's creation: the service's dependencies,
// the project's networks and volumes, the image, then the container itself.

#include "core/result.hpp"
#include "engine/docker_client.hpp"
#include "proto/exec_types.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/awaitable.hpp>
#include <string>

namespace aic::supervisor {

/// The one-off container `run` created.
struct OneOffContainer {
  std::string id;
  std::string name;
  bool tty = false;
};

/// `<project>-<service>-run-<first 12 characters of slug>`, Compose's one-off name.
std::string one_off_name(const std::string& project, const std::string& service,
                         const std::string& slug);

/// The create request of a one-off container of `request.service` (pure): the service's
/// configuration as `up` builds it, with Compose run's changes: labels `oneoff=True` and `slug`
/// and no container number, no restart policy, only the container name as network alias, ports
/// published only with service_ports or publish, the request's overrides (command, entrypoint,
/// env, user, workdir, volumes), TTY and stdin as asked, AutoRemove for rm. NotFound for an
/// unknown service; InvalidSpec for keys aic cannot run and malformed volumes or ports.
Result<engine::ContainerCreate> one_off_create(const LoadedInputs& project,
                                               const proto::RunRequest& request,
                                               const std::string& name, const std::string& slug,
                                               int api_minor,
                                               const std::vector<std::string>& guarded_paths = {});

/// Creates the one-off container: brings the service's dependencies up first through
/// `operations.up` (unless no_deps), else ensures the project's networks and volumes; pulls the
/// service's image when missing (an image that must be built is an error saying how); creates the
/// container and, with `detach`, starts it. `slug`: 64 hex digits, random. The caller holds the
/// project's one-operation claim. Progress of the dependencies goes to `progress`.
boost::asio::awaitable<Result<OneOffContainer>>
create_one_off(engine::DockerClient& docker, ProjectOperations& operations,
               const LoadedInputs& project, proto::RunRequest request, std::string slug,
               ProgressSink progress);

} // namespace aic::supervisor
