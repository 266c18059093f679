#pragma once

#include "api/stream.hpp"
#include "engine/container_stream.hpp"

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

namespace aic::api {

/// Bounds of a relay.
struct RelayOptions {
  /// A write to either side that takes longer (nobody reads) ends the relay.
  std::chrono::milliseconds write_timeout{std::chrono::minutes(5)};
  /// After the engine's side ended, how long the client may take to close its side before the
  /// connection is cut (so input it still sends is read, not answered with a reset).
  std::chrono::milliseconds linger{std::chrono::seconds(2)};
  /// After the client's end of input, how often to check whether it closed altogether.
  std::chrono::milliseconds hangup_probe{std::chrono::seconds(1)};
};

/// Copies bytes both ways between an upgraded client connection and an engine session (attach,
/// exec start) without interpreting them, `leftover` (bytes the client sent early) first. The
/// client's end of input (a half-close) becomes close_input() on the engine side; the engine's
/// end (the process exited) is passed on as a half-close and ends the relay; a client that
/// vanishes (a reset, a failed write, or a unix socket hung up after its end of input) or an
/// engine failure ends it too, and the engine connection is closed. Each direction holds one
/// buffer of at most 64 KiB and reads again only once it wrote it, so a slow reader slows the
/// writer instead of filling memory. Returns once both directions stopped.
boost::asio::awaitable<void> relay(Stream& client, std::string leftover,
                                   engine::ContainerStream& engine, RelayOptions options = {});

} // namespace aic::api
