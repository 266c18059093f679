#pragma once

#include "core/result.hpp"
#include "engine/http_transport.hpp"
#include "engine/multiplex.hpp"

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace aic::engine {

/// Output of a container (logs) or a hijacked session (attach, exec start), demultiplexed
/// unless the container has a TTY; sessions can also take input. close() makes a pending read()
/// return; destroy the stream only after that.
class ContainerStream {
public:
  ContainerStream(std::unique_ptr<HttpStream> http, bool tty);

  /// The next output chunks, or nullopt at the end. `idle_timeout` zero waits forever.
  /// A stream that ends inside a frame is EngineUnavailable.
  boost::asio::awaitable<Result<std::optional<std::vector<OutputChunk>>>>
  read(std::chrono::milliseconds idle_timeout = std::chrono::milliseconds(0));
  /// The next bytes exactly as the engine sent them (multiplexed frames unless the session has
  /// a TTY), at most HttpStream::kReadChunk, or nullopt at the end; for relaying the stream to a
  /// client that demultiplexes it itself. Do not mix with read() on one stream.
  boost::asio::awaitable<Result<std::optional<std::string>>>
  read_raw(std::chrono::milliseconds idle_timeout = std::chrono::milliseconds(0));
  /// Sessions only: sends input to the process.
  boost::asio::awaitable<Result<void>>
  write(std::string_view bytes, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  /// Sessions only: end of input (the process reads EOF).
  Result<void> close_input();
  void close();
  bool tty() const { return tty_; }

private:
  std::unique_ptr<HttpStream> http_;
  bool tty_;
  FrameDemuxer demuxer_;
};

} // namespace aic::engine
