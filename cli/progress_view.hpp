#pragma once

#include "proto/project_types.hpp"

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::cli {

enum class ProgressMode : std::uint8_t { Tty, Plain, Quiet, Json };

/// Parses --progress: auto (tty when `is_tty`, else plain), tty, plain, quiet or json.
std::optional<ProgressMode> parse_progress_mode(std::string_view value, bool is_tty);

/// Shows the progress stream of an operation as `docker compose` does: on a terminal one live
/// line per resource with its state and elapsed time, redrawn in place; otherwise one plain
/// line per change; json passes the events through, one object per line. Warnings are always
/// printed.
class ProgressView {
public:
  using Clock = std::chrono::steady_clock;

  ProgressView(ProgressMode mode, std::ostream& out, std::string title);

  void on_event(const proto::ProgressEvent& event, Clock::time_point now = Clock::now());
  /// Draws the final state (tty) once the operation ended.
  void finish(Clock::time_point now = Clock::now());

private:
  struct Line {
    std::string kind;
    std::string name;
    std::string status;
    Clock::time_point started;
    Clock::time_point updated;
    bool done = false;
    bool failed = false;
  };

  void redraw(Clock::time_point now);

  ProgressMode mode_;
  std::ostream& out_;
  std::string title_;
  std::vector<Line> lines_;
  std::vector<std::string> warnings_;
  std::size_t drawn_ = 0; ///< lines on screen from the last redraw
};

} // namespace aic::cli
