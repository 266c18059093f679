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

/// Pure path logic: "" means "Dockerfile"; a relative path is relative to the context; a path
/// inside the context is sent relative to it; one outside (absolute, or "../x") is injected as
/// ".aic-dockerfile-<hex of its path>".
DockerfilePlacement place_dockerfile(const std::string& context_dir, const std::string& dockerfile);

class BuildContext {
public:
  /// Starts the worker. Fails when the context is not a directory.
  static Result<std::unique_ptr<BuildContext>> start(boost::asio::any_io_executor executor,
                                                     const std::string& context_dir,
                                                     const DockerfilePlacement& dockerfile);
  /// Tells the worker to stop and lets it finish on its own (never blocks on it).
  ~BuildContext();
  BuildContext(const BuildContext&) = delete;
  BuildContext& operator=(const BuildContext&) = delete;

  /// The next piece of the tar, nullopt at its end; the worker's error (a bad .dockerignore, an
  /// unreadable file) once it stopped early.
  boost::asio::awaitable<Result<std::optional<std::string>>> next_chunk();

  struct State;

private:
  explicit BuildContext(std::shared_ptr<State> state);
  std::shared_ptr<State> state_; // shared with the worker thread
};

} // namespace aic::engine
