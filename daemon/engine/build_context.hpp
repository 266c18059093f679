#pragma once

// The tar body of a classic `POST /build`: the context directory minus what .dockerignore
// excludes (the Dockerfile and .dockerignore always go), plus a Dockerfile that lives outside
// the context under a generated name. A worker thread walks the tree and writes the tar into a
// socket pair; the io_context reads the other end, so no file I/O blocks it and memory stays
// bounded by the socket buffer and one 64 KiB chunk.

#include "core/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

namespace aic::engine {

/// Where the Dockerfile goes: `name` is what the engine is told (relative to the context);
/// `inject_from` is the absolute path to add under `name` when the file is outside the context.
struct DockerfilePlacement {
  std::string name;
  std::string inject_from;
};

/// Pure path logic: "" means "Dockerfile"; a relative path is relative to the context; an
/// absolute path inside the context is made relative; one outside is injected as
/// ".aic-dockerfile-<hex of its path>".
DockerfilePlacement place_dockerfile(const std::string& context_dir, const std::string& dockerfile);

class BuildContext {
public:
  /// Starts the worker. Fails when the context is not a directory.
  static Result<std::unique_ptr<BuildContext>> start(boost::asio::any_io_executor executor,
                                                     const std::string& context_dir,
                                                     const DockerfilePlacement& dockerfile);
  /// Stops the worker (it sees a closed socket) and joins it.
  ~BuildContext();
  BuildContext(const BuildContext&) = delete;
  BuildContext& operator=(const BuildContext&) = delete;

  /// The next piece of the tar, nullopt at its end; the worker's error (a bad .dockerignore, an
  /// unreadable file) once it stopped early.
  boost::asio::awaitable<Result<std::optional<std::string>>> next_chunk();

  struct State;

private:
  explicit BuildContext(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

} // namespace aic::engine
