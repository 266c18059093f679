#pragma once

// A real headless Chromium for the dashboard's tests: `--dump-dom` runs, and a browser driven
// over the DevTools protocol on a pipe (--remote-debugging-pipe: NUL-terminated JSON messages
// on fds 3 and 4), so a test can watch one page change without reloading it. Every profile is
// private, and the browser may resolve no host but 127.0.0.1.

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace aic::e2e {

/// The Chromium binary: $AIC_CHROMIUM, else `chromium`, `chromium-browser` or
/// `google-chrome` found on PATH; "" when there is none.
std::string find_chromium();

/// The flags every run gets: headless, no sandbox (tests run as root), no GPU, nothing fetched
/// in the background, only 127.0.0.1 resolvable, the profile in `profile_dir`.
std::vector<std::string> chromium_flags(const std::string& profile_dir);

struct DumpResult {
  int exit_code = -1;
  std::string dom; ///< what --dump-dom printed
  std::string log; ///< Chromium's stderr
};

/// `chromium --headless --virtual-time-budget=BUDGET --dump-dom URL`: the page's DOM after it
/// loaded and `budget` of virtual time passed (timers run fast; open streams stay open). Killed
/// after `deadline` of real time.
DumpResult dump_dom(const std::string& chromium, const std::string& profile_dir,
                    const std::string& url, std::chrono::milliseconds budget,
                    std::chrono::seconds deadline = std::chrono::seconds(90));

/// One headless Chromium with one page, driven over the DevTools protocol. Real time: the page
/// runs as in a user's browser. Not thread-safe.
class HeadlessBrowser {
public:
  HeadlessBrowser(std::string chromium, std::string profile_dir);
  /// Closes the browser (Browser.close), killing its process group when it does not exit.
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  /// Starts the browser and opens `url` in a new page; false with `error` set when it could not.
  bool open(const std::string& url, std::string& error);

  /// Evaluates `expression` in the page (awaiting a promise) and returns its value as JSON
  /// (`returnByValue`); nullopt with `error` when the call failed or the expression threw.
  std::optional<nlohmann::json> evaluate(const std::string& expression, std::string& error);

  /// What Chromium wrote to stderr so far.
  std::string log() const;

private:
  /// Sends one command and waits (at most `timeout`) for its answer, skipping events.
  std::optional<nlohmann::json> call(const std::string& method, const nlohmann::json& params,
                                     const std::string& session, std::chrono::seconds timeout,
                                     std::string& error);
  void close();

  std::string chromium_;
  std::string profile_dir_;
  std::string log_file_;
  pid_t pid_ = -1;
  int to_browser_ = -1; ///< our end of the DevTools socket (the browser's fds 3 and 4)
  int next_id_ = 1;
  std::string pending_;
  std::string session_;
};

} // namespace aic::e2e
