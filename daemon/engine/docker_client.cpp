#include "engine/docker_client.hpp"

#include "engine/build_context.hpp"
#include "engine/image_ref.hpp"
#include "engine/query.hpp"
#include "engine/wire.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <limits>
#include <nlohmann/json.hpp>

namespace aic::engine {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

/// How long an error answer on a stream may take to arrive whole.
constexpr milliseconds kErrorBodyIdle{5'000};
constexpr std::size_t kMaxErrorBody = 64 * 1024;
/// A stop or restart may take its whole timeout before the engine answers.
constexpr std::chrono::seconds kStopSlack{30};
constexpr ApiVersion kStopSignalApi{1, 42};

std::string escape_path(std::string id) {
  return url_encode(id);
}

std::string build_args_json(const std::map<std::string, std::optional<std::string>>& args) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : args) {
    out[key] = value ? nlohmann::json(*value) : nlohmann::json(nullptr);
  }
  return out.dump();
}

std::string string_map_json(const std::map<std::string, std::string>& map) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : map) {
    out[key] = value;
  }
  return out.dump();
}

} // namespace

Error engine_error(int status, std::string_view body) {
  std::string message = engine_error_message(body);
  if (message.empty()) {
    message = "the engine answered HTTP " + std::to_string(status);
  }
  ErrorCode code = ErrorCode::Internal;
  switch (status) {
  case 400:
    code = ErrorCode::InvalidSpec;
    break;
  case 404:
    code = ErrorCode::NotFound;
    break;
  case 403: // refused because of the object's state (a network that still has endpoints)
  case 409:
    code = ErrorCode::Conflict;
    break;
  default:
    break;
  }
  return Error(code, std::move(message));
}

std::string endpoint_pattern(std::string_view path) {
  // Second segments that name an endpoint of the collection, not an object.
  static constexpr std::array<std::string_view, 8> kCollectionActions = {
      "json", "create", "prune", "load", "search", "get", "df", "import"};
  // Last segments that name an action on an object (an image name may contain '/').
  static constexpr std::array<std::string_view, 26> kObjectActions = {
      "json",    "start",  "stop",    "restart", "kill",   "pause",   "unpause",
      "wait",    "rename", "resize",  "attach",  "logs",   "top",     "stats",
      "changes", "export", "archive", "update",  "exec",   "connect", "disconnect",
      "history", "push",   "tag",     "get",     "upgrade"};
  path = path.substr(0, path.find('?'));
  std::vector<std::string_view> segments;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    path.remove_prefix(slash == std::string_view::npos ? path.size() : slash);
  }
  if (segments.empty()) {
    return "/";
  }
  auto in = [](const auto& set, std::string_view word) {
    return std::find(set.begin(), set.end(), word) != set.end();
  };
  std::string out = "/" + std::string(segments[0]);
  if (segments.size() == 1) {
    return out;
  }
  if (segments.size() == 2 && in(kCollectionActions, segments[1])) {
    return out + "/" + std::string(segments[1]);
  }
  out += "/{id}";
  if (segments.size() > 2 && in(kObjectActions, segments.back())) {
    out += "/" + std::string(segments.back());
  }
  return out;
}

// ---- DockerClient: plumbing -------------------------------------------------------------------

DockerClient::DockerClient(asio::any_io_executor executor, ClientOptions options)
    : options_(std::move(options)), transport_(executor, options_.address),
      version_(options_.api_version),
      container_calls_(executor, options_.max_container_calls > 0
                                     ? options_.max_container_calls
                                     : std::numeric_limits<std::size_t>::max()),
      container_lists_(executor), versions_(executor) {}

asio::awaitable<Result<ApiVersion>> DockerClient::api_version() {
  if (version_) {
    co_return *version_;
  }
  HttpRequest request;
  request.target = "/version"; // unversioned: every engine answers it
  request.deadline = options_.call_deadline;
  request.max_body_bytes = 1024 * 1024;
  auto response = co_await transport_.request(std::move(request));
  if (!response) {
    co_return std::move(response).error().with_context("negotiating the API version");
  }
  if (response->status / 100 != 2) {
    co_return engine_error(response->status, response->body)
        .with_context("negotiating the API version");
  }
  auto engine = decode_engine_version(response->body);
  if (!engine) {
    co_return std::move(engine).error().with_context("negotiating the API version");
  }
  auto server_max = ApiVersion::parse(engine->api_version);
  auto server_min = ApiVersion::parse(engine->min_api_version.empty() ? engine->api_version
                                                                      : engine->min_api_version);
  if (!server_max || !server_min) {
    co_return Error(ErrorCode::EngineUnavailable,
                    "the engine reports an unreadable API version '" + engine->api_version + "'");
  }
  auto chosen = negotiate_api_version(*server_max, *server_min);
  if (!chosen) {
    co_return std::move(chosen).error();
  }
  version_ = *chosen;
  co_return *chosen;
}

HttpRequest DockerClient::make_request(const Call& call, ApiVersion version) const {
  HttpRequest request;
  request.method = call.method;
  request.target = "/v" + version.to_string() + call.path;
  request.body = call.body;
  request.headers = call.headers;
  request.deadline = call.long_call ? options_.long_call_deadline : options_.call_deadline;
  request.deadline = std::max(request.deadline, call.min_deadline);
  request.max_body_bytes = options_.max_body_bytes;
  return request;
}

asio::awaitable<Result<HttpResponse>> DockerClient::call(Call call) {
  auto version = co_await api_version();
  if (!version) {
    co_return std::move(version).error();
  }
  HttpRequest request = make_request(call, *version);
  std::optional<AsyncSemaphore::Held> slot;
  if (call.gated) {
    co_await container_calls_.acquire();
    slot.emplace(&container_calls_);
  }
  const auto started = std::chrono::steady_clock::now();
  auto response = co_await transport_.request(std::move(request));
  if (options_.on_call) {
    const std::string endpoint = endpoint_pattern(call.path);
    CallRecord record;
    record.method = call.method;
    record.endpoint = endpoint;
    record.status = response ? response->status : 0;
    record.duration = std::chrono::steady_clock::now() - started;
    options_.on_call(record);
  }
  if (!response) {
    co_return std::move(response).error();
  }
  // 304: already started / already stopped, which is what the caller wanted.
  if (response->status / 100 != 2 && response->status != 304) {
    co_return engine_error(response->status, response->body);
  }
  co_return std::move(*response);
}

asio::awaitable<Result<void>> DockerClient::call_void(Call request) {
  auto response = co_await call(std::move(request));
  if (!response) {
    co_return std::move(response).error();
  }
  co_return Result<void>{};
}

template <typename T>
asio::awaitable<Result<T>> DockerClient::call_decoded(Call request,
                                                      Result<T> (*decode)(std::string_view)) {
  auto response = co_await call(std::move(request));
  if (!response) {
    co_return std::move(response).error();
  }
  co_return decode(response->body);
}

asio::awaitable<Result<std::unique_ptr<HttpStream>>> DockerClient::open(Call call, bool upgrade) {
  auto version = co_await api_version();
  if (!version) {
    co_return std::move(version).error();
  }
  HttpRequest request = make_request(call, *version);
  auto stream = co_await transport_.open_stream(std::move(request), upgrade);
  if (!stream) {
    co_return std::move(stream).error();
  }
  const int status = (*stream)->status();
  if (status / 100 != 2 && status != 101) {
    auto body = co_await (*stream)->read_all(kMaxErrorBody, kErrorBodyIdle);
    co_return engine_error(status, body ? std::string_view(*body) : std::string_view());
  }
  co_return std::move(*stream);
}

asio::awaitable<Result<bool>> DockerClient::container_tty(std::string id) {
  if (auto known = known_ttys_.find(id); known != known_ttys_.end()) {
    co_return known->second;
  }
  auto inspected = co_await inspect_container(id);
  if (!inspected) {
    co_return std::move(inspected).error();
  }
  // Only a full ID names one container for good; a name may be reused by another one.
  if (inspected->id == id) {
    if (known_ttys_.size() >= kMaxKnownTtys) {
      known_ttys_.clear();
    }
    known_ttys_[id] = inspected->config.tty;
  }
  co_return inspected->config.tty;
}

// ---- system -----------------------------------------------------------------------------------

asio::awaitable<Result<void>> DockerClient::ping() {
  HttpRequest request;
  request.target = "/_ping";
  request.deadline = options_.call_deadline;
  request.max_body_bytes = 1024;
  auto response = co_await transport_.request(std::move(request));
  if (!response) {
    co_return std::move(response).error();
  }
  if (response->status != 200) {
    co_return engine_error(response->status, response->body);
  }
  co_return Result<void>{};
}

asio::awaitable<Result<EngineVersion>> DockerClient::version() {
  JoinedCalls<EngineVersion>::Call ask = [this] {
    Call request("GET", "/version");
    return call_decoded(std::move(request), decode_engine_version);
  };
  co_return co_await versions_.get("/version", std::move(ask));
}

asio::awaitable<Result<EngineInfo>> DockerClient::info() {
  Call request("GET", "/info");
  co_return co_await call_decoded(std::move(request), decode_engine_info);
}

std::unique_ptr<EventStream> DockerClient::events(EventFilter filter) {
  return std::make_unique<EventStream>(*this, std::move(filter));
}

// ---- containers -------------------------------------------------------------------------------

asio::awaitable<Result<CreatedId>> DockerClient::create_container(ContainerCreate create) {
  auto version = co_await api_version();
  if (!version) {
    co_return std::move(version).error();
  }
  Query query;
  query.add_if("name", create.name);
  query.add_if("platform", create.platform);
  Call request("POST", "/containers/create" + query.str(),
               encode_container_create(create, *version));
  request.gated = true;
  request.min_deadline = options_.busy_call_deadline;
  co_return co_await call_decoded(std::move(request), decode_created_id);
}

asio::awaitable<Result<void>> DockerClient::start_container(std::string id) {
  Call request("POST", "/containers/" + escape_path(id) + "/start");
  request.gated = true;
  request.min_deadline = options_.busy_call_deadline;
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>>
DockerClient::stop_container(std::string id, std::optional<int> timeout_s, std::string signal) {
  Query query;
  if (timeout_s) {
    query.add("t", std::to_string(*timeout_s));
  }
  if (!signal.empty()) {
    auto version = co_await api_version();
    if (version && *version >= kStopSignalApi) {
      query.add("signal", signal);
    }
  }
  Call request("POST", "/containers/" + escape_path(id) + "/stop" + query.str(), std::string(),
               true);
  if (timeout_s) {
    request.min_deadline = std::chrono::seconds(*timeout_s) + kStopSlack;
  }
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::restart_container(std::string id,
                                                              std::optional<int> timeout_s) {
  Query query;
  if (timeout_s) {
    query.add("t", std::to_string(*timeout_s));
  }
  Call request("POST", "/containers/" + escape_path(id) + "/restart" + query.str(), std::string(),
               true);
  if (timeout_s) {
    request.min_deadline = std::chrono::seconds(*timeout_s) + kStopSlack;
  }
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::kill_container(std::string id, std::string signal) {
  Query query;
  query.add_if("signal", signal);
  Call request("POST", "/containers/" + escape_path(id) + "/kill" + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::remove_container(std::string id,
                                                             RemoveContainerOptions options) {
  Query query;
  query.add_bool("force", options.force);
  query.add_bool("v", options.volumes);
  Call request("DELETE", "/containers/" + escape_path(id) + query.str(), std::string(), true);
  request.gated = true;
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::rename_container(std::string id, std::string new_name) {
  Query query;
  query.add("name", new_name);
  Call request("POST", "/containers/" + escape_path(id) + "/rename" + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::pause_container(std::string id) {
  Call request("POST", "/containers/" + escape_path(id) + "/pause");
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::unpause_container(std::string id) {
  Call request("POST", "/containers/" + escape_path(id) + "/unpause");
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<ContainerInspect>> DockerClient::inspect_container(std::string id) {
  Call request("GET", "/containers/" + escape_path(id) + "/json");
  co_return co_await call_decoded(std::move(request), decode_container_inspect);
}

asio::awaitable<Result<std::vector<ContainerSummary>>>
DockerClient::list_containers(ContainerListOptions options) {
  Query query;
  query.add_bool("all", options.all);
  query.add_filters(options.filters);
  const std::string target = "/containers/json" + query.str();
  JoinedCalls<std::vector<ContainerSummary>>::Call list = [this, target] {
    Call request("GET", target);
    return call_decoded(std::move(request), decode_container_list);
  };
  co_return co_await container_lists_.get(target, std::move(list));
}

asio::awaitable<Result<ContainerWait>> DockerClient::wait_container(std::string id,
                                                                    std::string condition) {
  Query query;
  query.add_if("condition", condition);
  Call request("POST", "/containers/" + escape_path(id) + "/wait" + query.str(), std::string(),
               true);
  co_return co_await call_decoded(std::move(request), decode_container_wait);
}

asio::awaitable<Result<std::unique_ptr<PendingWait>>>
DockerClient::begin_wait(std::string id, std::string condition) {
  Query query;
  query.add_if("condition", condition);
  Call request("POST", "/containers/" + escape_path(id) + "/wait" + query.str());
  auto stream = co_await open(std::move(request), false);
  if (!stream) {
    co_return std::move(stream).error();
  }
  co_return std::make_unique<PendingWait>(std::move(*stream));
}

asio::awaitable<Result<ContainerWait>> PendingWait::result(std::chrono::milliseconds idle_timeout) {
  constexpr std::size_t kMaxWaitBody = 64 * 1024;
  auto body = co_await http_->read_all(kMaxWaitBody, idle_timeout);
  if (!body) {
    co_return std::move(body).error();
  }
  co_return decode_container_wait(*body);
}

asio::awaitable<Result<ContainerTop>> DockerClient::top_container(std::string id,
                                                                  std::string ps_args) {
  Query query;
  query.add_if("ps_args", ps_args);
  Call request("GET", "/containers/" + escape_path(id) + "/top" + query.str());
  co_return co_await call_decoded(std::move(request), decode_container_top);
}

asio::awaitable<Result<std::unique_ptr<ContainerStream>>> DockerClient::logs(std::string id,
                                                                             LogOptions options) {
  bool tty = false;
  if (options.tty) {
    tty = *options.tty;
  } else {
    auto asked = co_await container_tty(id);
    if (!asked) {
      co_return std::move(asked).error();
    }
    tty = *asked;
  }
  Query query;
  query.add_bool("stdout", options.stdout_stream);
  query.add_bool("stderr", options.stderr_stream);
  query.add_bool("follow", options.follow);
  query.add_bool("timestamps", options.timestamps);
  query.add_if("tail", options.tail);
  query.add_if("since", options.since);
  query.add_if("until", options.until);
  Call request("GET", "/containers/" + escape_path(id) + "/logs" + query.str());
  auto stream = co_await open(std::move(request), false);
  if (!stream) {
    co_return std::move(stream).error();
  }
  co_return std::make_unique<ContainerStream>(std::move(*stream), tty);
}

asio::awaitable<Result<std::unique_ptr<ContainerStream>>>
DockerClient::attach(std::string id, AttachOptions options) {
  bool tty = false;
  if (options.tty) {
    tty = *options.tty;
  } else {
    auto asked = co_await container_tty(id);
    if (!asked) {
      co_return std::move(asked).error();
    }
    tty = *asked;
  }
  Query query;
  query.add_bool("stream", true);
  query.add_bool("stdin", options.stdin_stream);
  query.add_bool("stdout", options.stdout_stream);
  query.add_bool("stderr", options.stderr_stream);
  query.add_bool("logs", options.logs);
  query.add_if("detachKeys", options.detach_keys);
  Call request("POST", "/containers/" + escape_path(id) + "/attach" + query.str());
  auto stream = co_await open(std::move(request), true);
  if (!stream) {
    co_return std::move(stream).error();
  }
  co_return std::make_unique<ContainerStream>(std::move(*stream), tty);
}

asio::awaitable<Result<void>> DockerClient::resize_container(std::string id, int height,
                                                             int width) {
  Query query;
  query.add("h", std::to_string(height));
  query.add("w", std::to_string(width));
  Call request("POST", "/containers/" + escape_path(id) + "/resize" + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<std::unique_ptr<HttpStream>>> DockerClient::get_archive(std::string id,
                                                                               std::string path) {
  Query query;
  query.add("path", path);
  Call request("GET", "/containers/" + escape_path(id) + "/archive" + query.str());
  co_return co_await open(std::move(request), false);
}

asio::awaitable<Result<void>> DockerClient::put_archive(std::string id, std::string path,
                                                        std::string tar) {
  Query query;
  query.add("path", path);
  Call put("PUT", "/containers/" + escape_path(id) + "/archive" + query.str(), std::move(tar));
  put.headers.emplace_back("Content-Type", "application/x-tar");
  put.long_call = true;
  auto response = co_await call(std::move(put));
  if (!response) {
    co_return std::move(response).error();
  }
  co_return Result<void>{};
}

// ---- exec -------------------------------------------------------------------------------------

asio::awaitable<Result<std::string>> DockerClient::create_exec(std::string container,
                                                               ExecCreate exec) {
  Call request("POST", "/containers/" + escape_path(container) + "/exec", encode_exec_create(exec));
  auto response = co_await call(std::move(request));
  if (!response) {
    co_return std::move(response).error();
  }
  auto created = decode_created_id(response->body);
  if (!created) {
    co_return std::move(created).error();
  }
  co_return created->id;
}

asio::awaitable<Result<std::unique_ptr<ContainerStream>>>
DockerClient::start_exec(std::string exec_id, bool tty) {
  nlohmann::json body = {{"Detach", false}, {"Tty", tty}};
  Call request("POST", "/exec/" + escape_path(exec_id) + "/start", body.dump());
  auto stream = co_await open(std::move(request), true);
  if (!stream) {
    co_return std::move(stream).error();
  }
  co_return std::make_unique<ContainerStream>(std::move(*stream), tty);
}

asio::awaitable<Result<void>> DockerClient::start_exec_detached(std::string exec_id) {
  nlohmann::json body = {{"Detach", true}, {"Tty", false}};
  Call request("POST", "/exec/" + escape_path(exec_id) + "/start", body.dump());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::resize_exec(std::string exec_id, int height,
                                                        int width) {
  Query query;
  query.add("h", std::to_string(height));
  query.add("w", std::to_string(width));
  Call request("POST", "/exec/" + escape_path(exec_id) + "/resize" + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<ExecInspect>> DockerClient::inspect_exec(std::string exec_id) {
  Call request("GET", "/exec/" + escape_path(exec_id) + "/json");
  co_return co_await call_decoded(std::move(request), decode_exec_inspect);
}

// ---- networks ---------------------------------------------------------------------------------

asio::awaitable<Result<CreatedId>> DockerClient::create_network(NetworkCreate network) {
  auto version = co_await api_version();
  if (!version) {
    co_return std::move(version).error();
  }
  Call request("POST", "/networks/create", encode_network_create(network, *version));
  co_return co_await call_decoded(std::move(request), decode_created_id);
}

asio::awaitable<Result<NetworkInspect>> DockerClient::inspect_network(std::string id) {
  Call request("GET", "/networks/" + escape_path(id));
  co_return co_await call_decoded(std::move(request), decode_network_inspect);
}

asio::awaitable<Result<std::vector<NetworkInspect>>> DockerClient::list_networks(Filters filters) {
  Query query;
  query.add_filters(filters);
  Call request("GET", "/networks" + query.str());
  co_return co_await call_decoded(std::move(request), decode_network_list);
}

asio::awaitable<Result<void>> DockerClient::remove_network(std::string id) {
  Call request("DELETE", "/networks/" + escape_path(id));
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::connect_network(std::string network,
                                                            std::string container,
                                                            NetworkEndpoint endpoint) {
  Call request("POST", "/networks/" + escape_path(network) + "/connect",
               encode_network_connect(container, endpoint));
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::disconnect_network(std::string network,
                                                               std::string container, bool force) {
  nlohmann::json body = {{"Container", container}, {"Force", force}};
  Call request("POST", "/networks/" + escape_path(network) + "/disconnect", body.dump());
  co_return co_await call_void(std::move(request));
}

// ---- volumes ----------------------------------------------------------------------------------

asio::awaitable<Result<VolumeInspect>> DockerClient::create_volume(VolumeCreate volume) {
  Call request("POST", "/volumes/create", encode_volume_create(volume));
  co_return co_await call_decoded(std::move(request), decode_volume_inspect);
}

asio::awaitable<Result<VolumeInspect>> DockerClient::inspect_volume(std::string name) {
  Call request("GET", "/volumes/" + escape_path(name));
  co_return co_await call_decoded(std::move(request), decode_volume_inspect);
}

asio::awaitable<Result<std::vector<VolumeInspect>>> DockerClient::list_volumes(Filters filters) {
  Query query;
  query.add_filters(filters);
  Call request("GET", "/volumes" + query.str());
  co_return co_await call_decoded(std::move(request), decode_volume_list);
}

asio::awaitable<Result<void>> DockerClient::remove_volume(std::string name, bool force) {
  Query query;
  query.add_bool("force", force);
  Call request("DELETE", "/volumes/" + escape_path(name) + query.str());
  co_return co_await call_void(std::move(request));
}

// ---- images -----------------------------------------------------------------------------------

asio::awaitable<Result<ImageInspect>> DockerClient::inspect_image(std::string name) {
  Call request("GET", "/images/" + escape_path(name) + "/json");
  // Escaped whole ("aic-test%2Fbusybox%3Alatest"): the engine decodes the path, and a name with
  // '?' or '#' must not change the target.
  auto response = co_await call(std::move(request));
  if (!response) {
    co_return std::move(response).error();
  }
  co_return decode_image_inspect(response->body);
}

asio::awaitable<Result<std::vector<ImageSummary>>> DockerClient::list_images(Filters filters) {
  Query query;
  query.add_filters(filters);
  Call request("GET", "/images/json" + query.str());
  co_return co_await call_decoded(std::move(request), decode_image_list);
}

asio::awaitable<Result<void>> DockerClient::remove_image(std::string name, bool force) {
  Query query;
  query.add_bool("force", force);
  Call request("DELETE", "/images/" + escape_path(name) + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::tag_image(std::string source, std::string repo,
                                                      std::string tag) {
  Query query;
  query.add("repo", repo);
  query.add_if("tag", tag);
  Call request("POST", "/images/" + escape_path(source) + "/tag" + query.str());
  co_return co_await call_void(std::move(request));
}

asio::awaitable<Result<void>> DockerClient::consume_progress(HttpStream& stream,
                                                             const ProgressCallback& on_progress,
                                                             std::string* image_id) {
  JsonObjectSplitter splitter;
  std::optional<Error> failure;
  for (;;) {
    // Layers can take minutes between messages; a stalled engine still ends with the connection.
    auto piece = co_await stream.read(options_.long_call_deadline);
    if (!piece) {
      co_return std::move(piece).error();
    }
    if (!piece->has_value()) {
      break;
    }
    std::vector<std::string> objects;
    if (auto fed = splitter.feed(**piece, objects); !fed) {
      co_return std::move(fed).error();
    }
    for (const auto& text : objects) {
      auto message = decode_progress_message(text);
      if (!message) {
        co_return std::move(message).error();
      }
      if (on_progress) {
        on_progress(*message);
      }
      if (message->is_error() && !failure) {
        failure = Error(ErrorCode::Internal, message->error_message);
      }
      if (image_id != nullptr && !message->aux_id.empty()) {
        *image_id = message->aux_id;
      }
    }
  }
  if (auto finished = splitter.finish(); !finished) {
    co_return finished;
  }
  if (failure) {
    co_return std::move(*failure);
  }
  co_return Result<void>{};
}

asio::awaitable<Result<void>> DockerClient::pull_image(std::string reference,
                                                       ProgressCallback on_progress) {
  auto ref = parse_image_ref(reference);
  if (!ref) {
    co_return std::move(ref).error();
  }
  auto [from_image, tag] = split_for_pull(*ref);
  Query query;
  query.add("fromImage", from_image);
  query.add_if("tag", tag);
  Call call("POST", "/images/create" + query.str());
  if (options_.docker_config) {
    if (auto auth = options_.docker_config->find(ref->registry_key())) {
      call.headers.emplace_back("X-Registry-Auth", registry_auth_header(*auth));
    }
  }
  auto stream = co_await open(std::move(call), false);
  if (!stream) {
    co_return std::move(stream).error().with_context("pulling " + reference);
  }
  auto consumed = co_await consume_progress(**stream, on_progress, nullptr);
  if (!consumed) {
    co_return std::move(consumed).error().with_context("pulling " + reference);
  }
  co_return Result<void>{};
}

asio::awaitable<Result<BuildResult>> DockerClient::build_image(BuildOptions options,
                                                               ProgressCallback on_progress) {
  const DockerfilePlacement dockerfile = place_dockerfile(options.context_dir, options.dockerfile);
  auto context =
      BuildContext::start(co_await asio::this_coro::executor, options.context_dir, dockerfile);
  if (!context) {
    co_return std::move(context).error();
  }
  Query query;
  for (const auto& tag : options.tags) {
    query.add("t", tag);
  }
  query.add("dockerfile", dockerfile.name);
  query.add_if("target", options.target);
  if (!options.build_args.empty()) {
    query.add("buildargs", build_args_json(options.build_args));
  }
  if (!options.labels.empty()) {
    query.add("labels", string_map_json(options.labels));
  }
  if (options.pull) {
    query.add_bool("pull", true);
  }
  if (options.no_cache) {
    query.add_bool("nocache", true);
  }
  query.add_if("networkmode", options.network_mode);
  query.add_if("platform", options.platform);
  for (const auto& host : options.extra_hosts) {
    query.add("extrahosts", host); // repeated: the engine reads each value as one entry
  }
  if (options.shm_size_bytes > 0) {
    query.add("shmsize", std::to_string(options.shm_size_bytes));
  }
  // The classic builder keeps a failed step's container unless forcerm: an unlabelled stopped
  // container per failed build. BuildKit, which docker compose builds with, leaves nothing.
  query.add_bool("rm", true);
  query.add_bool("forcerm", true);
  query.add("version", "1");

  auto version = co_await api_version();
  if (!version) {
    co_return std::move(version).error();
  }
  Call call("POST", "/build" + query.str());
  call.headers.emplace_back("Content-Type", "application/x-tar");
  if (options_.docker_config) {
    call.headers.emplace_back("X-Registry-Config", registry_config_header(*options_.docker_config));
  }
  HttpRequest request = make_request(call, *version);
  BuildContext& source = **context;
  request.body_source = [&source]() { return source.next_chunk(); };
  auto stream = co_await transport_.open_stream(std::move(request), false);
  if (!stream) {
    co_return std::move(stream).error();
  }
  if ((*stream)->status() / 100 != 2) {
    auto body = co_await (*stream)->read_all(kMaxErrorBody, kErrorBodyIdle);
    co_return engine_error((*stream)->status(),
                           body ? std::string_view(*body) : std::string_view());
  }
  BuildResult result;
  auto consumed = co_await consume_progress(**stream, on_progress, &result.image_id);
  if (!consumed) {
    co_return std::move(consumed).error();
  }
  co_return result;
}

} // namespace aic::engine
