#include "headless_chromium.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aic::e2e {

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

/// A DevTools message larger than this ends the session (a page's whole DOM is far smaller).
constexpr std::size_t kMaxMessageBytes = 64 * 1024 * 1024;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

/// Starts `argv` in its own process group (so the browser's helpers can be ended with it),
/// stdin from /dev/null, stdout and stderr appended to the files, and `channel` (when >= 0) as
/// fds 3 and 4. Returns the pid, -1 when fork failed.
pid_t spawn(const std::vector<std::string>& args, const std::string& out_file,
            const std::string& err_file, int channel) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid != 0) {
    return pid;
  }
  ::setpgid(0, 0);
  if (channel >= 0) {
    // Out of the way first, in case the channel itself is fd 3 or 4.
    const int moved = ::fcntl(channel, F_DUPFD, 10);
    ::dup2(moved, 3);
    ::dup2(moved, 4);
    ::close(moved);
  }
  const int in = ::open("/dev/null", O_RDONLY);
  const int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (in < 0 || out < 0 || err < 0) {
    ::_exit(126);
  }
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (int fd = 5; fd < 1024; ++fd) {
    ::close(fd);
  }
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

/// True once `pid` has exited (not reaped yet, so its group id stays ours).
bool exited(pid_t pid) {
  siginfo_t info{};
  return ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

/// Waits until `deadline` for `pid` to exit, SIGKILLs its group when it does not, ends the
/// helpers it left behind, reaps it. Returns the exit status (128+N for signal N).
int finish(pid_t pid, Clock::time_point deadline) {
  while (!exited(pid) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(-pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    return WEXITSTATUS(status);
  }
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

} // namespace

std::string find_chromium() {
  if (const char* given = std::getenv("AIC_CHROMIUM"); given != nullptr && *given != '\0') {
    return executable(given) ? std::string(given) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
      const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
      if (executable(candidate)) {
        return candidate;
      }
    }
  }
  return "";
}

std::vector<std::string> chromium_flags(const std::string& profile_dir) {
  return {
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--user-data-dir=" + profile_dir,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-default-apps",
      "--disable-extensions",
      "--disable-sync",
      "--disable-domain-reliability",
      "--no-pings",
      "--password-store=basic",
      "--use-mock-keychain",
      // Nothing but the test's aicd may be reached.
      "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
      "--no-proxy-server",
  };
}

DumpResult dump_dom(const std::string& chromium, const std::string& profile_dir,
                    const std::string& url, std::chrono::milliseconds budget,
                    std::chrono::seconds deadline) {
  ::mkdir(profile_dir.c_str(), 0700);
  const std::string out_file = profile_dir + "/dump.html";
  const std::string err_file = profile_dir + "/dump.log";
  ::unlink(out_file.c_str());
  ::unlink(err_file.c_str());
  std::vector<std::string> args = {chromium};
  for (auto& flag : chromium_flags(profile_dir)) {
    args.push_back(flag);
  }
  args.push_back("--virtual-time-budget=" + std::to_string(budget.count()));
  args.push_back("--dump-dom");
  args.push_back(url);
  DumpResult result;
  const pid_t pid = spawn(args, out_file, err_file, -1);
  if (pid < 0) {
    result.log = "fork failed: " + std::string(std::strerror(errno));
    return result;
  }
  result.exit_code = finish(pid, Clock::now() + deadline);
  result.dom = read_file(out_file);
  result.log = read_file(err_file);
  return result;
}

HeadlessBrowser::HeadlessBrowser(std::string chromium, std::string profile_dir)
    : chromium_(std::move(chromium)), profile_dir_(std::move(profile_dir)),
      log_file_(profile_dir_ + "/browser.log") {}

HeadlessBrowser::~HeadlessBrowser() {
  close();
}

void HeadlessBrowser::close() {
  if (pid_ > 0) {
    std::string ignored;
    if (to_browser_ >= 0) {
      call("Browser.close", json::object(), "", std::chrono::seconds(5), ignored);
    }
    finish(pid_, Clock::now() + std::chrono::seconds(10));
    pid_ = -1;
  }
  if (to_browser_ >= 0) {
    ::close(to_browser_);
    to_browser_ = -1;
  }
}

bool HeadlessBrowser::open(const std::string& url, std::string& error) {
  ::mkdir(profile_dir_.c_str(), 0700);
  int channel[2] = {-1, -1};
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, channel) != 0) {
    error = "socketpair: " + std::string(std::strerror(errno));
    return false;
  }
  std::vector<std::string> args = {chromium_};
  for (auto& flag : chromium_flags(profile_dir_)) {
    args.push_back(flag);
  }
  args.push_back("--remote-debugging-pipe");
  args.push_back("about:blank");
  pid_ = spawn(args, log_file_, log_file_, channel[1]);
  ::close(channel[1]);
  to_browser_ = channel[0];
  if (pid_ < 0) {
    error = "fork failed: " + std::string(std::strerror(errno));
    return false;
  }
  // The first answer waits for the browser to start (seconds on a busy machine).
  const json create_params = {{"url", url}};
  auto created = call("Target.createTarget", create_params, "", std::chrono::seconds(60), error);
  if (!created) {
    return false;
  }
  const json attach_params = {{"targetId", created->value("targetId", "")}, {"flatten", true}};
  auto attached = call("Target.attachToTarget", attach_params, "", std::chrono::seconds(20), error);
  if (!attached || !attached->contains("sessionId")) {
    error = "attaching to the page: " + error;
    return false;
  }
  session_ = attached->at("sessionId").get<std::string>();
  return true;
}

std::optional<json> HeadlessBrowser::evaluate(const std::string& expression, std::string& error) {
  const json params = {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}};
  auto answer = call("Runtime.evaluate", params, session_, std::chrono::seconds(20), error);
  if (!answer) {
    return std::nullopt;
  }
  if (answer->contains("exceptionDetails")) {
    const json& details = answer->at("exceptionDetails");
    error = details.contains("exception")
                ? details["exception"].value("description", details.value("text", "exception"))
                : details.value("text", "exception");
    return std::nullopt;
  }
  const json& result = answer->value("result", json::object());
  return result.contains("value") ? result.at("value") : json();
}

std::string HeadlessBrowser::log() const {
  return read_file(log_file_);
}

std::optional<json> HeadlessBrowser::call(const std::string& method, const json& params,
                                          const std::string& session, std::chrono::seconds timeout,
                                          std::string& error) {
  if (to_browser_ < 0) {
    error = "the browser is not running";
    return std::nullopt;
  }
  const int id = next_id_++;
  json message = {{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) {
    message["sessionId"] = session;
  }
  std::string bytes = message.dump();
  bytes.push_back('\0');
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(to_browser_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      error = method + ": the browser went away (" + std::strerror(errno) + ")";
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }

  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t end = 0;
    while ((end = pending_.find('\0')) != std::string::npos) {
      const std::string text = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      json answer = json::parse(text, nullptr, false);
      if (answer.is_discarded() || !answer.contains("id") || answer["id"] != id) {
        continue; // an event, or the answer to an earlier call that timed out
      }
      if (answer.contains("error")) {
        error = method + ": " + answer["error"].value("message", answer["error"].dump());
        return std::nullopt;
      }
      return answer.value("result", json::object());
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      error = method + ": no answer within " + std::to_string(timeout.count()) + " s";
      return std::nullopt;
    }
    pollfd waiting{to_browser_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) {
      continue;
    }
    char buffer[64 * 1024];
    const ssize_t n = ::recv(to_browser_, buffer, sizeof(buffer), 0);
    if (n <= 0) {
      error = method + ": the browser closed the DevTools pipe";
      ::close(to_browser_);
      to_browser_ = -1;
      return std::nullopt;
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    if (pending_.size() > kMaxMessageBytes) {
      error =
          method + ": a DevTools message exceeds " + std::to_string(kMaxMessageBytes) + " bytes";
      return std::nullopt;
    }
  }
}

} // namespace aic::e2e
