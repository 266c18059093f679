// DockerClient: the container archive endpoints beyond get/put (path stat, put with flags).
#include "engine/base64.hpp"
#include "engine/docker_client.hpp"
#include "engine/query.hpp"

#include <nlohmann/json.hpp>

namespace aic::engine {

namespace asio = boost::asio;

Result<PathStat> decode_path_stat(std::string_view header) {
  std::optional<std::string> text = base64_decode(header);
  if (!text) {
    text = base64_decode(header, Base64Alphabet::Url);
  }
  if (!text) {
    return Error(ErrorCode::Internal, "the engine sent a path stat that is not base64");
  }
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorCode::Internal, "the engine sent a path stat that is not a JSON object");
  }
  PathStat stat;
  try {
    stat.name = j.value("name", "");
    stat.size = j.value("size", std::int64_t{0});
    stat.mode = j.value("mode", std::uint32_t{0});
    stat.mtime = j.value("mtime", "");
    stat.link_target = j.value("linkTarget", "");
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::Internal,
                 std::string("the engine sent an unreadable path stat: ") + e.what());
  }
  return stat;
}

asio::awaitable<Result<PathStat>> DockerClient::stat_container_path(std::string id,
                                                                    std::string path) {
  Query query;
  query.add("path", path);
  Call head("HEAD", "/containers/" + url_encode(id) + "/archive" + query.str());
  Result<HttpResponse> response = co_await call(std::move(head));
  if (!response) {
    Error failure = std::move(response).error();
    if (failure.code() == ErrorCode::NotFound) {
      // A HEAD answer has no body, so no engine message: say what is missing.
      co_return Error(ErrorCode::NotFound, "no such path in the container: " + path);
    }
    co_return failure;
  }
  auto header = response->headers.find("x-docker-container-path-stat");
  if (header == response->headers.end()) {
    co_return Error(ErrorCode::Internal, "the engine sent no path stat for " + path);
  }
  co_return decode_path_stat(header->second);
}

asio::awaitable<Result<void>> DockerClient::put_archive(std::string id, std::string path,
                                                        std::string tar,
                                                        PutArchiveOptions options) {
  Query query;
  query.add("path", path);
  if (options.no_overwrite_dir_non_dir) {
    query.add_bool("noOverwriteDirNonDir", true);
  }
  if (options.copy_uid_gid) {
    query.add_bool("copyUIDGID", true);
  }
  Call put("PUT", "/containers/" + url_encode(id) + "/archive" + query.str(), std::move(tar));
  put.headers.emplace_back("Content-Type", "application/x-tar");
  put.long_call = true;
  Result<HttpResponse> response = co_await call(std::move(put));
  if (!response) {
    co_return std::move(response).error();
  }
  co_return Result<void>{};
}

} // namespace aic::engine
