#pragma once

// What the /v1 handlers share: the progress stream of a long operation (a bounded queue between
// the operation and the client), the one-operation-per-project claim, the blocking pool, and
// small query helpers.

#include "api/responder.hpp"
#include "api/v1_routes.hpp"
#include "supervisor/async_sync.hpp"
#include "supervisor/project_inputs.hpp"
#include "supervisor/project_operations.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::api {

/// Progress lines kept for a slow client; beyond it, info lines are dropped (counted).
inline constexpr std::size_t kMaxQueuedLines = 4096;

using supervisor::on_pool;

/// The lines of one operation's progress stream, between the operation (which never waits on
/// the client) and the handler writing them out.
struct LineQueue {
  explicit LineQueue(boost::asio::any_io_executor ex) : signal(std::move(ex)) {}

  void push(std::string line, bool droppable) {
    if (droppable && lines.size() >= kMaxQueuedLines) {
      ++dropped;
      return;
    }
    lines.push_back(std::move(line));
    signal.notify_all();
  }
  void close() {
    closed = true;
    signal.notify_all();
  }

  std::deque<std::string> lines;
  supervisor::Signal signal;
  std::size_t dropped = 0;
  bool closed = false;
};

/// Compact JSON; invalid UTF-8 in strings is replaced.
std::string dump(const nlohmann::json& j);

/// A progress sink that queues `{"progress": event}` lines (info lines droppable).
supervisor::ProgressSink sink_for(std::shared_ptr<LineQueue> queue);

/// Writes the queue to the client until the operation closed it. A client that goes away only
/// stops the writing: the operation carries on.
boost::asio::awaitable<void> drain(std::shared_ptr<LineQueue> queue, Responder& responder);

/// Queues the last line (`{"done": true}` or the error envelope) and closes the queue.
void finish_queue(LineQueue& queue, const Result<void>& result);

boost::asio::awaitable<void> respond_error(Responder& responder, Error error);

/// A non-negative number of at most 9 digits.
std::optional<int> to_int(std::string_view s);

/// "1", "true" or an empty value (`?volumes`).
bool truthy(std::optional<std::string_view> v);

/// The comma-separated items of a query value ("web,db"), empty items skipped.
std::vector<std::string> split_list(std::optional<std::string_view> value);

/// The project's stored inputs (those of its last `up`), loaded again; nullopt when aicd has
/// none.
boost::asio::awaitable<Result<std::optional<supervisor::LoadedInputs>>>
load_stored(DaemonContext& ctx, std::string project);

/// Claims the project for one operation; false (and a 409 sent) when another is running.
boost::asio::awaitable<bool> claim(DaemonContext& ctx, const std::string& name,
                                   Responder& responder);

/// A long operation's body: runs with the progress sink and returns its outcome.
using OperationBody = std::function<boost::asio::awaitable<Result<void>>(supervisor::ProgressSink)>;

/// Claims `project`, runs `body` as its own task (it carries on when the client leaves), and
/// streams its progress as NDJSON: `{"progress":…}` lines, then `{"done":true}` or
/// `{"error":…}`. `what` names the operation in aicd's log ("restart").
boost::asio::awaitable<void> stream_operation(DaemonContext& ctx, Responder& responder,
                                              std::string project, std::string what,
                                              OperationBody body);

/// A route handler calling `fn` with the daemon's context.
Handler bind(DaemonContext& ctx,
             boost::asio::awaitable<void> (*fn)(DaemonContext&, Request&, Responder&));

} // namespace aic::api
