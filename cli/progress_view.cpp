#include "cli/progress_view.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {
namespace {

bool is_final(std::string_view status) {
  for (std::string_view s : {"Created", "Started", "Running", "Healthy", "Exited", "Recreated",
                             "Removed", "Stopped", "Built", "Pulled", "Skipped", "Waiting"}) {
    if (status == s) {
      return status != "Waiting";
    }
  }
  return false;
}

std::string capitalized(std::string kind) {
  if (!kind.empty() && kind[0] >= 'a' && kind[0] <= 'z') {
    kind[0] = static_cast<char>(kind[0] - 'a' + 'A');
  }
  return kind;
}

std::string seconds(ProgressView::Clock::duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs",
                std::chrono::duration_cast<std::chrono::milliseconds>(d).count() / 1000.0);
  return buf;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) {
    s.append(width - s.size(), ' ');
  }
  return s;
}

} // namespace

std::optional<ProgressMode> parse_progress_mode(std::string_view value, bool is_tty) {
  if (value.empty() || value == "auto") {
    return is_tty ? ProgressMode::Tty : ProgressMode::Plain;
  }
  if (value == "tty") {
    return ProgressMode::Tty;
  }
  if (value == "plain") {
    return ProgressMode::Plain;
  }
  if (value == "quiet") {
    return ProgressMode::Quiet;
  }
  if (value == "json") {
    return ProgressMode::Json;
  }
  return std::nullopt;
}

ProgressView::ProgressView(ProgressMode mode, std::ostream& out, std::string title)
    : mode_(mode), out_(out), title_(std::move(title)) {}

void ProgressView::on_event(const proto::ProgressEvent& event, Clock::time_point now) {
  if (mode_ == ProgressMode::Json) {
    nlohmann::json j = event;
    out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    out_.flush();
    return;
  }
  if (event.level == "warning" || event.level == "error") {
    std::string text = (event.level == "warning" ? "warning: " : "error: ") + event.detail;
    if (mode_ == ProgressMode::Tty) {
      warnings_.push_back(text);
      redraw(now);
    } else {
      out_ << text << "\n";
    }
    return;
  }
  if (mode_ == ProgressMode::Quiet) {
    return;
  }
  if (mode_ == ProgressMode::Plain) {
    out_ << capitalized(event.kind) << " " << event.name << "  " << event.status;
    if (!event.detail.empty()) {
      out_ << "  " << event.detail;
    }
    out_ << "\n";
    out_.flush();
    return;
  }
  Line* line = nullptr;
  for (auto& l : lines_) {
    if (l.kind == event.kind && l.name == event.name) {
      line = &l;
    }
  }
  if (!line) {
    lines_.push_back({event.kind, event.name, event.status, now, now});
    line = &lines_.back();
  }
  if (line->done && !is_final(event.status)) {
    line->started = now; // a new phase of the same resource
  }
  line->status = event.status;
  line->updated = now;
  line->done = is_final(event.status);
  redraw(now);
}

void ProgressView::redraw(Clock::time_point now) {
  if (mode_ != ProgressMode::Tty) {
    return;
  }
  std::string frame;
  if (drawn_ > 0) {
    frame += "\x1b[" + std::to_string(drawn_) + "F"; // to the start of the first drawn line
  }
  for (const auto& w : warnings_) {
    frame += "\x1b[2K" + w + "\n";
  }
  warnings_.clear();
  std::size_t done = 0;
  std::size_t width = 0;
  for (const auto& l : lines_) {
    done += l.done ? 1 : 0;
    width = std::max(width, l.kind.size() + 1 + l.name.size());
  }
  frame += "\x1b[2K[+] " + title_ + " " + std::to_string(done) + "/" +
           std::to_string(lines_.size()) + "\n";
  for (const auto& l : lines_) {
    Clock::time_point end = l.done ? l.updated : now;
    frame += "\x1b[2K ";
    frame += l.done ? "\u2714 " : "\u280b ";
    frame += pad(capitalized(l.kind) + " " + l.name, width + 2) + pad(l.status, 10) + " " +
             seconds(end - l.started) + "\n";
  }
  drawn_ = lines_.size() + 1;
  out_ << frame;
  out_.flush();
}

void ProgressView::finish(Clock::time_point now) {
  if (mode_ == ProgressMode::Tty && !lines_.empty()) {
    redraw(now);
  }
}

} // namespace aic::cli
