#include "engine/container_stream.hpp"

namespace aic::engine {

namespace asio = boost::asio;
using std::chrono::milliseconds;

ContainerStream::ContainerStream(std::unique_ptr<HttpStream> http, bool tty)
    : http_(std::move(http)), tty_(tty) {}

asio::awaitable<Result<std::optional<std::vector<OutputChunk>>>>
ContainerStream::read(milliseconds idle_timeout) {
  for (;;) {
    auto piece = co_await http_->read(idle_timeout);
    if (!piece) {
      co_return std::move(piece).error();
    }
    if (!piece->has_value()) {
      if (!tty_ && demuxer_.mid_frame()) {
        co_return Error(ErrorCode::EngineUnavailable,
                        "malformed multiplexed stream: the stream ended inside a frame");
      }
      co_return std::optional<std::vector<OutputChunk>>{};
    }
    std::vector<OutputChunk> chunks;
    if (tty_) {
      OutputChunk chunk;
      chunk.data = std::move(**piece);
      chunks.push_back(std::move(chunk));
    } else if (auto fed = demuxer_.feed(**piece, chunks); !fed) {
      co_return std::move(fed).error();
    }
    if (!chunks.empty()) {
      co_return std::optional<std::vector<OutputChunk>>(std::move(chunks));
    }
  }
}

asio::awaitable<Result<std::optional<std::string>>>
ContainerStream::read_raw(milliseconds idle_timeout) {
  co_return co_await http_->read(idle_timeout);
}

asio::awaitable<Result<void>> ContainerStream::write(std::string_view bytes, milliseconds timeout) {
  co_return co_await http_->write(bytes, timeout);
}

Result<void> ContainerStream::close_input() {
  return http_->shutdown_write();
}

void ContainerStream::close() {
  http_->close();
}

} // namespace aic::engine
