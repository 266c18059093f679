#pragma once

// The Docker Engine API client: one typed call per endpoint aicd uses, over HttpTransport, with
// the API version negotiated on first use. Engine errors come back as Result errors carrying
// the engine's own message: 400 → InvalidSpec, 404 → NotFound, 403 and 409 → Conflict (the
// engine refuses because of an object's state), other 4xx/5xx → Internal; transport failures
// are EngineUnavailable or Timeout.

#include "core/async_semaphore.hpp"
#include "core/joined_calls.hpp"
#include "core/result.hpp"
#include "engine/api_version.hpp"
#include "engine/archive_types.hpp"
#include "engine/container_stream.hpp"
#include "engine/container_types.hpp"
#include "engine/docker_host.hpp"
#include "engine/event_stream.hpp"
#include "engine/exec_types.hpp"
#include "engine/http_transport.hpp"
#include "engine/image_types.hpp"
#include "engine/network_types.hpp"
#include "engine/registry_auth.hpp"
#include "engine/system_types.hpp"
#include "engine/volume_types.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

/// One finished request/response call to the engine, for metrics (ClientOptions::on_call).
struct CallRecord {
  std::string_view method;   ///< "GET", "POST", …
  std::string_view endpoint; ///< the path with ids and names replaced: "/containers/{id}/start"
  int status = 0;            ///< the engine's HTTP status; 0 when no answer came (transport error)
  std::chrono::nanoseconds duration{0};
};

/// The path of an engine call (after the version prefix, query ignored) with the object ids and
/// names replaced by "{id}", so that it can label a metric: "/containers/abc/start" →
/// "/containers/{id}/start", "/images/library/busybox:1/json" → "/images/{id}/json".
std::string endpoint_pattern(std::string_view path);

struct ClientOptions {
  EngineAddress address;
  /// Deadline of an ordinary call (inspect, create, list, ...).
  std::chrono::milliseconds call_deadline{30'000};
  /// Deadline of container creates and starts: on a busy engine (a hundred starts, healthchecks
  /// probing every half second) they can take well over the ordinary deadline and still
  /// succeed, and a start cut off mid-way can leave a network endpoint behind in the engine.
  /// docker-compose 1.29 waits 60 s, the docker CLI forever.
  std::chrono::milliseconds busy_call_deadline{2 * 60'000};
  /// Deadline of calls that wait on containers (stop, restart, remove with force, wait).
  std::chrono::milliseconds long_call_deadline{10 * 60'000};
  /// Largest response body of an ordinary call.
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  /// Skips negotiation and uses this version (tests, or a user's DOCKER_API_VERSION).
  std::optional<ApiVersion> api_version;
  /// The docker CLI's config.json, read by the caller off the io_context; used for pull auth
  /// and the build's X-Registry-Config.
  std::optional<DockerConfig> docker_config;
  /// Container creates, starts and removals in flight at once; the rest wait in aicd, in order,
  /// before their deadline starts. The engine does this work mostly one at a time anyway: with
  /// a hundred starts queued inside it, each waits longer than any sane deadline, and one cut
  /// off mid-start can leave a network endpoint behind in the engine. 0: no limit.
  std::size_t max_container_calls = 8;
  /// Consecutive failed reconnects of an event stream before it gives up.
  int max_event_reconnects = 8;
  /// Called after every request/response call (not streams, not the version handshake) on the
  /// client's thread; must not throw.
  std::function<void(const CallRecord&)> on_call;
};

using Filters = std::map<std::string, std::vector<std::string>>;

struct ContainerListOptions {
  bool all = true; ///< stopped containers too
  Filters filters; ///< {"label": ["com.docker.compose.project=demo"]}

  /// Every container, stopped ones too, that carries each of `labels` ("key=value", or "key"
  /// for any value).
  static ContainerListOptions labelled(std::vector<std::string> labels) {
    return {.all = true, .filters = {{"label", std::move(labels)}}};
  }
};

struct RemoveContainerOptions {
  bool force = false;   ///< kill a running container first
  bool volumes = false; ///< remove its anonymous volumes
};

struct LogOptions {
  bool follow = false;
  bool stdout_stream = true;
  bool stderr_stream = true;
  bool timestamps = false;
  std::string tail;  ///< "all" or a number of lines; "" = all
  std::string since; ///< unix seconds ("1700000000.5") or RFC 3339
  std::string until; ///< same forms
  /// Whether the container has a TTY (raw stream). nullopt: asked from the engine.
  std::optional<bool> tty;
};

struct AttachOptions {
  bool stdin_stream = false;
  bool stdout_stream = true;
  bool stderr_stream = true;
  bool logs = false; ///< replay the output so far first
  std::string detach_keys;
  std::optional<bool> tty; ///< nullopt: asked from the engine
};

struct BuildOptions {
  std::string context_dir; ///< absolute
  /// Relative to the context, or absolute (a Dockerfile outside the context is sent inside the
  /// tar under a generated name, as Compose does). "" = "Dockerfile".
  std::string dockerfile;
  std::vector<std::string> tags;
  std::string target;
  std::map<std::string, std::optional<std::string>> build_args;
  std::map<std::string, std::string> labels;
  bool pull = false;
  bool no_cache = false;
  std::string network_mode;
  std::string platform;
  std::vector<std::string> extra_hosts;
  std::int64_t shm_size_bytes = 0;
};

struct BuildResult {
  std::string image_id; ///< "sha256:…"
};

/// A wait the engine has registered (DockerClient::begin_wait); its outcome is read later.
class PendingWait {
public:
  explicit PendingWait(std::unique_ptr<HttpStream> http) : http_(std::move(http)) {}

  /// The outcome, once the container reached the condition; waits as long as that takes (zero
  /// `idle_timeout`), since a one-off container may run for days. Call it once.
  boost::asio::awaitable<Result<ContainerWait>>
  result(std::chrono::milliseconds idle_timeout = std::chrono::milliseconds(0));
  /// Drops the engine connection; a pending result() then fails.
  void close() { http_->close(); }

private:
  std::unique_ptr<HttpStream> http_;
};

/// Called for every message of a pull or build stream, errors included.
using ProgressCallback = std::function<void(const ProgressMessage&)>;

/// See the file comment. Thread: one io_context (strand); must outlive its streams. Arguments
/// are taken by value, so an awaitable may be stored or co_spawned before it runs.
class DockerClient {
public:
  DockerClient(boost::asio::any_io_executor executor, ClientOptions options);

  /// The negotiated version (negotiating now if needed).
  boost::asio::awaitable<Result<ApiVersion>> api_version();

  // System
  boost::asio::awaitable<Result<void>> ping();
  /// Shared like list_containers: callers who come while one is under way share the next.
  boost::asio::awaitable<Result<EngineVersion>> version();
  boost::asio::awaitable<Result<EngineInfo>> info();
  std::unique_ptr<EventStream> events(EventFilter filter);

  // Containers
  boost::asio::awaitable<Result<CreatedId>> create_container(ContainerCreate create);
  boost::asio::awaitable<Result<void>> start_container(std::string id);
  /// `timeout_s` nullopt: the container's own stop timeout. `signal` needs API 1.42.
  boost::asio::awaitable<Result<void>>
  stop_container(std::string id, std::optional<int> timeout_s = {}, std::string signal = {});
  boost::asio::awaitable<Result<void>> restart_container(std::string id,
                                                         std::optional<int> timeout_s = {});
  boost::asio::awaitable<Result<void>> kill_container(std::string id, std::string signal = {});
  boost::asio::awaitable<Result<void>> remove_container(std::string id,
                                                        RemoveContainerOptions options = {});
  boost::asio::awaitable<Result<void>> rename_container(std::string id, std::string new_name);
  boost::asio::awaitable<Result<void>> pause_container(std::string id);
  boost::asio::awaitable<Result<void>> unpause_container(std::string id);
  boost::asio::awaitable<Result<ContainerInspect>> inspect_container(std::string id);
  /// Callers with the same options while a list is under way share the next list (JoinedCalls):
  /// never an answer older than the request.
  boost::asio::awaitable<Result<std::vector<ContainerSummary>>>
  list_containers(ContainerListOptions options);
  /// `condition`: not-running, next-exit or removed. Waits up to long_call_deadline.
  boost::asio::awaitable<Result<ContainerWait>>
  wait_container(std::string id, std::string condition = "not-running");
  /// Registers a wait for `condition` (next-exit, removed, not-running) and returns once the
  /// engine has it (the head of its answer came), so a container started afterwards cannot exit
  /// unseen, even when it is removed at once (AutoRemove with "removed").
  boost::asio::awaitable<Result<std::unique_ptr<PendingWait>>> begin_wait(std::string id,
                                                                          std::string condition);
  boost::asio::awaitable<Result<ContainerTop>> top_container(std::string id,
                                                             std::string ps_args = {});
  boost::asio::awaitable<Result<std::unique_ptr<ContainerStream>>> logs(std::string id,
                                                                        LogOptions options);
  boost::asio::awaitable<Result<std::unique_ptr<ContainerStream>>> attach(std::string id,
                                                                          AttachOptions options);
  boost::asio::awaitable<Result<void>> resize_container(std::string id, int height, int width);
  /// A tar of `path` in the container, streamed.
  boost::asio::awaitable<Result<std::unique_ptr<HttpStream>>> get_archive(std::string id,
                                                                          std::string path);
  /// Extracts a tar into directory `path` of the container.
  boost::asio::awaitable<Result<void>> put_archive(std::string id, std::string path,
                                                   std::string tar);
  /// put_archive with `docker cp`'s flags.
  boost::asio::awaitable<Result<void>> put_archive(std::string id, std::string path,
                                                   std::string tar, PutArchiveOptions options);
  /// The stat of `path` in the container (HEAD archive; symlinks are not followed); NotFound
  /// when there is no such path.
  boost::asio::awaitable<Result<PathStat>> stat_container_path(std::string id, std::string path);

  // Exec
  boost::asio::awaitable<Result<std::string>> create_exec(std::string container, ExecCreate exec);
  /// Starts the exec and returns its session (hijacked connection).
  boost::asio::awaitable<Result<std::unique_ptr<ContainerStream>>> start_exec(std::string exec_id,
                                                                              bool tty);
  /// Starts the exec detached.
  boost::asio::awaitable<Result<void>> start_exec_detached(std::string exec_id);
  boost::asio::awaitable<Result<void>> resize_exec(std::string exec_id, int height, int width);
  boost::asio::awaitable<Result<ExecInspect>> inspect_exec(std::string exec_id);

  // Networks
  boost::asio::awaitable<Result<CreatedId>> create_network(NetworkCreate network);
  boost::asio::awaitable<Result<NetworkInspect>> inspect_network(std::string id);
  boost::asio::awaitable<Result<std::vector<NetworkInspect>>> list_networks(Filters f);
  boost::asio::awaitable<Result<void>> remove_network(std::string id);
  boost::asio::awaitable<Result<void>> connect_network(std::string network, std::string container,
                                                       NetworkEndpoint endpoint);
  boost::asio::awaitable<Result<void>> disconnect_network(std::string network,
                                                          std::string container, bool force);

  // Volumes
  boost::asio::awaitable<Result<VolumeInspect>> create_volume(VolumeCreate volume);
  boost::asio::awaitable<Result<VolumeInspect>> inspect_volume(std::string name);
  boost::asio::awaitable<Result<std::vector<VolumeInspect>>> list_volumes(Filters f);
  boost::asio::awaitable<Result<void>> remove_volume(std::string name, bool force);

  // Images
  boost::asio::awaitable<Result<ImageInspect>> inspect_image(std::string name);
  boost::asio::awaitable<Result<std::vector<ImageSummary>>> list_images(Filters f);
  boost::asio::awaitable<Result<void>> remove_image(std::string name, bool force);
  boost::asio::awaitable<Result<void>> tag_image(std::string source, std::string repo,
                                                 std::string tag);
  /// Pulls `reference`; an error inside the progress stream is returned as an error with the
  /// engine's message.
  boost::asio::awaitable<Result<void>> pull_image(std::string reference,
                                                  ProgressCallback on_progress = {});
  /// Builds with the classic builder from a tar of the context (honouring .dockerignore).
  boost::asio::awaitable<Result<BuildResult>> build_image(BuildOptions options,
                                                          ProgressCallback on_progress = {});

  const ClientOptions& options() const { return options_; }
  HttpTransport& transport() { return transport_; }

private:
  friend class EventStream;
  /// Built with its constructor, never as an aggregate: GCC 12 miscompiles aggregate
  /// initialization with temporaries inside coroutines (a double free here).
  struct Call {
    Call(std::string method_, std::string path_, std::string body_ = {}, bool long_call_ = false)
        : method(std::move(method_)), path(std::move(path_)), body(std::move(body_)),
          long_call(long_call_) {}
    std::string method;
    std::string path; // after the version prefix, with its query
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool long_call = false;
    /// Waits for one of ClientOptions::max_container_calls slots before it goes out.
    bool gated = false;
    /// At least this long, whatever the kind of call (a stop that may take its timeout).
    std::chrono::milliseconds min_deadline{0};
  };

  boost::asio::awaitable<Result<HttpResponse>> call(Call call);
  /// call() for endpoints that answer nothing of interest.
  boost::asio::awaitable<Result<void>> call_void(Call request);
  /// call() and decode the body (instantiated in the .cpp only).
  template <typename T>
  boost::asio::awaitable<Result<T>> call_decoded(Call request,
                                                 Result<T> (*decode)(std::string_view));
  boost::asio::awaitable<Result<std::unique_ptr<HttpStream>>> open(Call call, bool upgrade);
  boost::asio::awaitable<Result<bool>> container_tty(std::string id);
  boost::asio::awaitable<Result<void>>
  consume_progress(HttpStream& stream, const ProgressCallback& on_progress, std::string* image_id);
  HttpRequest make_request(const Call& call, ApiVersion version) const;

  ClientOptions options_;
  HttpTransport transport_;
  std::optional<ApiVersion> version_;
  AsyncSemaphore container_calls_;
  /// Whether a container has a TTY, by full ID: fixed for its lifetime, so asked once (a
  /// project's logs would otherwise inspect every container on every read). Emptied when it
  /// reaches kMaxKnownTtys.
  std::map<std::string, bool> known_ttys_;
  static constexpr std::size_t kMaxKnownTtys = 4096;
  /// Container lists by query: the API's routes and the supervisors ask the same lists at once
  /// (50 clients polling the projects).
  JoinedCalls<std::vector<ContainerSummary>> container_lists_;
  /// GET /version, which aicd's own GET /v1/version asks on every request (a liveness check).
  JoinedCalls<EngineVersion> versions_;
};

/// The error for a non-2xx engine answer: the engine's message with the code its status maps to.
Error engine_error(int status, std::string_view body);

} // namespace aic::engine
