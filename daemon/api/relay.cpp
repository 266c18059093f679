#include "api/relay.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <poll.h>
#include <vector>

namespace aic::api {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kChunk = 64 * 1024;

/// What the two directions share; the upstream coroutine keeps it alive past the relay's frame.
struct RelayState {
  explicit RelayState(const asio::any_io_executor& executor)
      : upstream_done(executor), probe(executor) {}
  bool upstream_finished = false;
  /// Cancelled when the upstream direction ends; the downstream side waits on it.
  asio::steady_timer upstream_done;
  /// Set when the engine's side ended; stops the upstream's hang-up watch.
  bool over = false;
  asio::steady_timer probe;
};

/// Writes all of `bytes` to the client; false when that failed or took longer than `timeout`.
asio::awaitable<bool> write_client(Stream::socket_type& socket, std::string_view bytes,
                                   milliseconds timeout) {
  asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
  auto write = asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), kNoThrow);
  auto expiry = timer.async_wait(kNoThrow);
  auto either = std::move(write) || std::move(expiry);
  auto result = co_await std::move(either);
  if (result.index() != 0) {
    co_return false;
  }
  auto [ec, n] = std::get<0>(result);
  (void)n;
  co_return !ec;
}

/// After the client's end of input: a read cannot tell a half-close from a client that went
/// away, but a unix socket whose peer closed altogether reports a hang-up; then the session
/// ends (over TCP, the next write of output finds out instead).
asio::awaitable<void> watch_hangup(Stream& client, engine::ContainerStream& engine,
                                   RelayState& state, milliseconds every) {
  while (!state.over) {
    state.probe.expires_after(every);
    co_await state.probe.async_wait(kNoThrow);
    if (state.over) {
      break;
    }
    pollfd p{client.socket().native_handle(), 0, 0}; // POLLHUP and POLLERR need no asking
    if (::poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
      engine.close();
      break;
    }
  }
}

/// Client → engine, until the client's end of input (passed on as close_input) or a failure
/// (which closes the engine connection, ending the other direction too).
asio::awaitable<void> upstream(Stream& client, std::string leftover,
                               engine::ContainerStream& engine, std::shared_ptr<RelayState> state,
                               RelayOptions options) {
  const milliseconds timeout = options.write_timeout;
  if (!leftover.empty()) {
    Result<void> written = co_await engine.write(leftover, timeout);
    if (!written) {
      engine.close();
      co_return;
    }
  }
  std::vector<char> buffer(kChunk);
  for (;;) {
    auto [ec, n] = co_await client.socket().async_read_some(asio::buffer(buffer), kNoThrow);
    if (n > 0) {
      const std::string_view bytes(buffer.data(), n);
      Result<void> written = co_await engine.write(bytes, timeout);
      if (!written) {
        engine.close();
        co_return;
      }
    }
    if (ec == asio::error::eof) {
      Result<void> closed = engine.close_input();
      if (!closed) {
        engine.close();
        co_return;
      }
      co_await watch_hangup(client, engine, *state, options.hangup_probe);
      co_return;
    }
    if (ec) { // the client vanished, or the relay is over
      engine.close();
      co_return;
    }
  }
}

} // namespace

asio::awaitable<void> relay(Stream& client, std::string leftover, engine::ContainerStream& engine,
                            RelayOptions options) {
  auto executor = co_await asio::this_coro::executor;
  auto state = std::make_shared<RelayState>(executor);
  state->upstream_done.expires_at(asio::steady_timer::time_point::max());
  auto up = upstream(client, std::move(leftover), engine, state, options);
  asio::co_spawn(executor, std::move(up), [state](const std::exception_ptr&) {
    state->upstream_finished = true;
    state->upstream_done.cancel();
  });

  bool client_ok = true;
  for (;;) {
    Result<std::optional<std::string>> piece = co_await engine.read_raw();
    if (!piece || !piece->has_value()) {
      break; // the process ended, or the engine connection failed or was closed
    }
    const std::string_view bytes(**piece);
    client_ok = co_await write_client(client.socket(), bytes, options.write_timeout);
    if (!client_ok) {
      break;
    }
  }
  engine.close();
  state->over = true;
  state->probe.cancel();
  boost::system::error_code ignored;
  if (client_ok) {
    // The client sees the end of output, then closes its side, which ends upstream.
    client.socket().shutdown(asio::socket_base::shutdown_send, ignored);
    if (!state->upstream_finished) {
      state->upstream_done.expires_after(options.linger);
      co_await state->upstream_done.async_wait(kNoThrow);
    }
  }
  if (!state->upstream_finished) {
    client.socket().cancel(ignored);
    state->upstream_done.expires_at(asio::steady_timer::time_point::max());
    while (!state->upstream_finished) {
      co_await state->upstream_done.async_wait(kNoThrow);
    }
  }
}

} // namespace aic::api
