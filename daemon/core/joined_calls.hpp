#pragma once

// Identical reads that arrive together share one call, without anyone getting an answer older
// than their own request.

#include "core/async_signal.hpp"
#include "core/result.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace aic {

/// Calls by key, where calls with the same key are the same read (an engine list with the same
/// query). A caller that comes while its key's call is under way does not take that call's
/// answer (it may predate what the caller has just changed): it waits for it to end and shares
/// the next call with everyone else who came meanwhile. So however many callers come at once,
/// a key has at most one call under way and one waiting. A call's error reaches its own callers
/// only. Not thread-safe: use it from one io_context thread.
template <typename T>
class JoinedCalls {
public:
  using Call = std::function<boost::asio::awaitable<Result<T>>()>;

  explicit JoinedCalls(boost::asio::any_io_executor executor) : executor_(std::move(executor)) {}

  /// The answer of a `call` made after this request came, made by this caller or another.
  boost::asio::awaitable<Result<T>> get(const std::string& key, Call call) {
    std::shared_ptr<Slot>& held = slots_[key];
    if (!held) {
      held = std::make_shared<Slot>();
    }
    std::shared_ptr<Slot> slot = held;
    std::shared_ptr<Round> round = slot->next;
    if (!round) {
      round = std::make_shared<Round>(executor_);
      if (slot->running) {
        slot->next = round;
      }
    }
    for (;;) {
      if (round->result) {
        ++joined_;
        co_return *round->result;
      }
      if (!round->started && !slot->running) {
        co_return co_await run(key, slot, round, std::move(call));
      }
      // The call ahead ends within its own deadline; the re-check covers a caller who was to
      // start this round and went away.
      co_await round->ended.wait(kRecheck);
    }
  }

  /// Calls made, and callers answered by a call someone else made (for tests and metrics).
  std::uint64_t calls() const { return calls_; }
  std::uint64_t joined() const { return joined_; }
  /// Keys with a call under way or waiting.
  std::size_t busy_keys() const { return slots_.size(); }

private:
  static constexpr std::chrono::milliseconds kRecheck{1000};

  struct Round {
    explicit Round(boost::asio::any_io_executor executor) : ended(std::move(executor)) {}
    bool started = false;
    std::optional<Result<T>> result;
    Signal ended; ///< notified when `result` is set
  };
  struct Slot {
    std::shared_ptr<Round> running;
    std::shared_ptr<Round> next; ///< the callers who came while `running` was under way
  };

  /// Publishes the round's result and wakes its callers and those of the round after it.
  static void end(Slot& slot, Round& round, Result<T> result) {
    round.result = std::move(result);
    if (slot.running.get() == &round) {
      slot.running.reset();
    }
    round.ended.notify_all();
    if (slot.next) {
      slot.next->ended.notify_all();
    }
  }

  boost::asio::awaitable<Result<T>> run(std::string key, std::shared_ptr<Slot> slot,
                                        std::shared_ptr<Round> round, Call call) {
    if (slot->next == round) {
      slot->next.reset();
    }
    slot->running = round;
    round->started = true;
    ++calls_;
    // A caller whose coroutine is destroyed mid-call (shutdown) must not leave the others
    // waiting: they get an error. Touches only the shared slot and round, never `this`.
    struct Abandoned {
      std::shared_ptr<Slot> slot;
      std::shared_ptr<Round> round;
      ~Abandoned() {
        if (!round->result) {
          end(*slot, *round, Error(ErrorCode::Internal, "the shared call was abandoned"));
        }
      }
    } guard{slot, round};
    Result<T> result = co_await call();
    end(*slot, *round, result);
    auto at = slots_.find(key);
    if (at != slots_.end() && at->second == slot && !slot->running && !slot->next) {
      slots_.erase(at);
    }
    co_return result;
  }

  boost::asio::any_io_executor executor_;
  std::map<std::string, std::shared_ptr<Slot>> slots_;
  std::uint64_t calls_ = 0;
  std::uint64_t joined_ = 0;
};

} // namespace aic
