#include "engine/build_context.hpp"

#include "archive/tar_writer.hpp"
#include "engine/dockerignore.hpp"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace aic::engine {

namespace asio = boost::asio;
namespace fs = std::filesystem;

struct BuildContext::State {
  explicit State(const asio::any_io_executor& executor) : reader(executor) {}
  asio::local::stream_protocol::socket reader;
  std::thread worker;
  std::atomic<bool> cancelled{false}; // the reader went away: skip the rest of the tree
  std::mutex mutex;
  std::optional<Error> failure; // set by the worker
  bool ended = false;
};

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 64 * 1024;

std::string hex_of(std::string_view text) {
  std::uint64_t hash = 1469598103934665603ULL; // FNV-1a: a stable, short, collision-unlikely name
  for (unsigned char c : text) {
    hash = (hash ^ c) * 1099511628211ULL;
  }
  std::ostringstream out;
  out << std::hex << hash;
  return out.str();
}

Result<void> send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error(ErrorCode::Internal,
                   std::string("build context aborted: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> write_context(int fd, const std::string& context_dir,
                           const DockerfilePlacement& dockerfile,
                           const std::atomic<bool>& cancelled) {
  std::string ignore_text;
  const fs::path ignore_path = fs::path(context_dir) / ".dockerignore";
  std::error_code exists_ec;
  if (fs::is_regular_file(ignore_path, exists_ec)) {
    std::ifstream in(ignore_path, std::ios::binary);
    if (!in) {
      return Error(ErrorCode::InvalidSpec, "cannot read " + ignore_path.string());
    }
    std::ostringstream text;
    text << in.rdbuf();
    ignore_text = text.str();
  }
  auto ignore = DockerIgnore::parse(ignore_text);
  if (!ignore) {
    return std::move(ignore).error().with_context("reading " + ignore_path.string());
  }

  archive::TarWriter writer([fd](std::string_view bytes) { return send_all(fd, bytes); });
  const std::string& dockerfile_name = dockerfile.name;
  auto skip = [&](std::string_view path, bool is_dir) {
    if (cancelled.load()) {
      return true; // nothing more to send: finish the walk without reading anything
    }
    if (path == dockerfile_name || path == ".dockerignore") {
      return false; // the engine reads these whatever the patterns say
    }
    if (!ignore->excludes(path)) {
      return false;
    }
    return !(is_dir && ignore->may_reinclude_under(path));
  };
  if (auto added = archive::add_tree(writer, context_dir, skip); !added) {
    return added;
  }
  if (!dockerfile.inject_from.empty()) {
    archive::TarEntryInfo info;
    info.name = dockerfile.name;
    info.mode = 0644;
    if (auto added = writer.add_file_from_disk(info, dockerfile.inject_from); !added) {
      return std::move(added).error().with_context("adding the Dockerfile " +
                                                   dockerfile.inject_from);
    }
  }
  return writer.finish();
}

} // namespace

DockerfilePlacement place_dockerfile(const std::string& context_dir,
                                     const std::string& dockerfile) {
  if (dockerfile.empty()) {
    return {"Dockerfile", ""};
  }
  fs::path path(dockerfile);
  if (path.is_relative()) {
    // Relative to the context, as Compose reads it; "../x" leaves the context and is injected.
    path = fs::path(context_dir) / path;
  }
  const fs::path relative =
      path.lexically_normal().lexically_relative(fs::path(context_dir).lexically_normal());
  if (!relative.empty() && *relative.begin() != "..") {
    return {relative.generic_string(), ""};
  }
  return {".aic-dockerfile-" + hex_of(path.lexically_normal().string()),
          path.lexically_normal().string()};
}

BuildContext::BuildContext(std::shared_ptr<State> state) : state_(std::move(state)) {}

BuildContext::~BuildContext() {
  // Never wait for the worker here, on the io_context: it may be deep in a slow file. It sees
  // the flag or a failed send soon and ends on its own; the state it uses is shared with it.
  state_->cancelled = true;
  boost::system::error_code ignored;
  state_->reader.close(ignored);
  if (state_->worker.joinable()) {
    if (state_->ended) {
      state_->worker.join(); // it closed its end, so it has finished
    } else {
      state_->worker.detach();
    }
  }
}

Result<std::unique_ptr<BuildContext>> BuildContext::start(asio::any_io_executor executor,
                                                          const std::string& context_dir,
                                                          const DockerfilePlacement& dockerfile) {
  std::error_code ec;
  if (!fs::is_directory(context_dir, ec)) {
    return Error(ErrorCode::InvalidSpec, "build context " + context_dir + " is not a directory");
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Error(ErrorCode::Internal, std::string("socketpair: ") + std::strerror(errno));
  }
  auto state = std::make_shared<State>(executor);
  boost::system::error_code assign_ec;
  state->reader.assign(asio::local::stream_protocol(), fds[0], assign_ec);
  if (assign_ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Error(ErrorCode::Internal, "socketpair: " + assign_ec.message());
  }
  std::shared_ptr<State> shared = state;
  const int write_fd = fds[1];
  state->worker = std::thread([shared, write_fd, context_dir, dockerfile] {
    State* raw = shared.get();
    Result<void> written = Result<void>{};
    try {
      written = write_context(write_fd, context_dir, dockerfile, raw->cancelled);
    } catch (const std::exception& e) {
      written = Error(ErrorCode::Internal, std::string("build context: ") + e.what());
    }
    if (!written) {
      std::lock_guard lock(raw->mutex);
      raw->failure = written.error();
    }
    ::close(write_fd);
  });
  return std::unique_ptr<BuildContext>(new BuildContext(std::move(state)));
}

asio::awaitable<Result<std::optional<std::string>>> BuildContext::next_chunk() {
  State& s = *state_;
  if (s.ended) {
    co_return std::optional<std::string>{};
  }
  std::string chunk(kChunk, '\0');
  auto [ec, n] = co_await s.reader.async_read_some(asio::buffer(chunk), kNoThrow);
  if (ec == asio::error::eof) {
    s.ended = true;
    if (s.worker.joinable()) {
      s.worker.join(); // it closed its end, so it is finishing now
    }
    std::lock_guard lock(s.mutex);
    if (s.failure) {
      co_return *s.failure;
    }
    co_return std::optional<std::string>{};
  }
  if (ec) {
    co_return Error(ErrorCode::Internal, "reading the build context: " + ec.message());
  }
  chunk.resize(n);
  co_return std::optional<std::string>(std::move(chunk));
}

} // namespace aic::engine
