#include "netns_engine.hpp"

#include "engine_fixture.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aic::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view kNamePrefix = "aic-e2e-";
constexpr std::string_view kNetnsDir = "/var/run/netns";

/// The absolute path of `program` on PATH, or "" when it is not there.
std::string find_program(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  // dockerd and nsenter live in sbin, which a non-login PATH may lack.
  std::string dirs = std::string(rest) + ":/usr/local/sbin:/usr/sbin:/sbin";
  std::string_view view = dirs;
  while (!view.empty()) {
    const auto colon = view.find(':');
    const std::string dir(view.substr(0, colon));
    view = colon == std::string_view::npos ? std::string_view{} : view.substr(colon + 1);
    if (dir.empty()) {
      continue;
    }
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

/// The pid in a name "aic-e2e-<pid>-<n>", or -1 when the name has another shape.
pid_t owner_pid(std::string_view name) {
  if (!name.starts_with(kNamePrefix)) {
    return -1;
  }
  name.remove_prefix(kNamePrefix.size());
  const auto dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash + 1 == name.size()) {
    return -1;
  }
  const auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(name.substr(0, dash)) || !all_digits(name.substr(dash + 1))) {
    return -1;
  }
  return static_cast<pid_t>(std::stol(std::string(name.substr(0, dash))));
}

/// SIGKILLs every process whose command line mentions a path under `dir` (a dead run's dockerd,
/// containerd and shims).
void kill_processes_under(const std::string& dir) {
  const std::string needle = dir + "/";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid_text = entry.path().filename().string();
    if (pid_text.empty() || !std::all_of(pid_text.begin(), pid_text.end(),
                                         [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid()) {
      continue;
    }
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    const std::string cmdline((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (cmdline.find(needle) != std::string::npos) {
      ::kill(pid, SIGKILL);
    }
  }
}

/// Undoes the octal escapes (\040 for a space) of a /proc/self/mountinfo path.
std::string unescape_mount_path(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string octal(s.substr(i + 1, 3));
      out += static_cast<char>(std::stoi(octal, nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

/// Lazily unmounts every mount at or below `dir`, deepest first.
void unmount_under(const std::string& dir) {
  std::vector<std::string> points;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, devices, root, point;
    fields >> id >> parent >> devices >> root >> point;
    const std::string path = unescape_mount_path(point);
    if (path == dir || path.starts_with(dir + "/")) {
      points.push_back(path);
    }
  }
  std::sort(points.begin(), points.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& point : points) {
    ::umount2(point.c_str(), MNT_DETACH);
  }
}

/// Removes what an engine named `name` left: processes, mounts, its directory, its namespace.
void remove_leftovers(const std::string& name, const std::string& dir) {
  kill_processes_under(dir);
  unmount_under(dir);
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (fs::exists(std::string(kNetnsDir) + "/" + name, ec)) {
    (void)run_shell("ip netns delete " + shell_quote(name) + " 2>/dev/null");
  }
}

/// Cleans up after earlier test processes that died without their destructors running.
void reap_dead_runs() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& parent : {std::string(kNetnsDir), std::string("/tmp")}) {
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& name : names) {
    const pid_t owner = owner_pid(name);
    if (owner <= 0 || owner == ::getpid()) {
      continue;
    }
    if (::kill(owner, 0) == -1 && errno == ESRCH) {
      remove_leftovers(name, "/tmp/" + name);
    }
  }
}

::testing::AssertionResult shell_step(const std::string& what, const std::string& cmd) {
  const ShellResult r = run_shell(cmd + " 2>&1");
  if (r.exit_code != 0) {
    return ::testing::AssertionFailure()
           << what << " failed (exit " << r.exit_code << "): " << trim(r.out);
  }
  return ::testing::AssertionSuccess();
}

} // namespace

NetnsEngine::NetnsEngine(NetnsEngineOptions options) : options_(std::move(options)) {
  static std::atomic<unsigned> counter{0};
  name_ = std::string(kNamePrefix) + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  dir_ = "/tmp/" + name_;
  socket_path_ = dir_ + "/docker.sock";
  log_path_ = dir_ + "/dockerd.log";
}

NetnsEngine::~NetnsEngine() {
  remove_everything();
}

::testing::AssertionResult NetnsEngine::prepare() {
  if (::geteuid() != 0) {
    return ::testing::AssertionFailure()
           << "a private engine needs root (ip netns add, dockerd); running as uid " << ::geteuid();
  }
  for (const char* program : {"ip", "nsenter", "dockerd", "docker", "curl"}) {
    if (find_program(program).empty()) {
      return ::testing::AssertionFailure()
             << program << " is not installed (scripts/install-deps.sh installs it)";
    }
  }
  reap_dead_runs();
  remove_leftovers(name_, dir_);

  std::error_code ec;
  fs::create_directories(dir_ + "/data", ec);
  fs::create_directories(dir_ + "/exec", ec);
  if (ec) {
    return ::testing::AssertionFailure() << "cannot create " << dir_ << ": " << ec.message();
  }
  ::chmod(dir_.c_str(), 0700);
  // Its own (empty) config file, so the host's /etc/docker/daemon.json cannot clash with flags.
  std::ofstream(dir_ + "/daemon.json") << "{}\n";

  if (auto r = shell_step("ip netns add " + name_, "ip netns add " + shell_quote(name_)); !r) {
    return r;
  }
  prepared_ = true;
  return shell_step("bringing up lo in " + name_,
                    "ip -n " + shell_quote(name_) + " link set lo up");
}

::testing::AssertionResult NetnsEngine::start() {
  if (running()) {
    return ::testing::AssertionFailure() << "dockerd " << pid_ << " is already running";
  }
  if (!prepared_) {
    if (auto r = prepare(); !r) {
      return r;
    }
  }

  std::vector<std::string> args;
  args.push_back(find_program("nsenter"));
  args.push_back("--net=" + std::string(kNetnsDir) + "/" + name_);
  args.push_back("--");
  args.push_back(find_program("dockerd"));
  args.push_back("--config-file=" + dir_ + "/daemon.json");
  args.push_back("--data-root=" + dir_ + "/data");
  args.push_back("--exec-root=" + dir_ + "/exec");
  args.push_back("--host=unix://" + socket_path_);
  args.push_back("--pidfile=" + dir_ + "/docker.pid");
  // Apart from the host engine's even if dockerd picks up a system containerd.
  args.push_back("--containerd-namespace=" + name_);
  args.push_back("--containerd-plugins-namespace=" + name_ + "-plugins");
  // The namespace's own iptables are not ours to manage, and nothing needs NAT out of it.
  args.push_back("--iptables=false");
  args.push_back("--ip-masq=false");
  if (!options_.default_bridge) {
    args.emplace_back("--bridge=none");
  }
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  // The environment is built before fork: the child may only make async-signal-safe calls.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("PATH=", 0) == 0 && !options_.path_prefix.empty()) {
      kv = "PATH=" + options_.path_prefix + ":" + kv.substr(5);
    }
    env.push_back(std::move(kv));
  }
  std::vector<char*> envp;
  for (auto& kv : env) {
    envp.push_back(kv.data());
  }
  envp.push_back(nullptr);

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (log_fd < 0 || null_fd < 0) {
    for (const int fd : {log_fd, null_fd}) {
      if (fd >= 0) {
        ::close(fd);
      }
    }
    return ::testing::AssertionFailure() << "cannot open " << log_path_ << " or /dev/null";
  }
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  const int fork_errno = errno;
  if (child == 0) {
    // Only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(126);
    }
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  if (child < 0) {
    return ::testing::AssertionFailure() << "fork failed: " << std::strerror(fork_errno);
  }
  pid_ = child;

  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) {
      return ::testing::AssertionFailure()
             << "dockerd in " << name_ << " exited during start-up; its log:\n"
             << log_tail();
    }
    if (ping()) {
      return ::testing::AssertionSuccess();
    }
    std::this_thread::sleep_for(100ms);
  }
  (void)stop();
  return ::testing::AssertionFailure() << "dockerd in " << name_ << " did not answer /_ping within "
                                       << options_.ready_timeout.count() << " s; its log:\n"
                                       << log_tail();
}

::testing::AssertionResult NetnsEngine::stop() {
  if (!running()) {
    return ::testing::AssertionSuccess();
  }
  const pid_t pid = pid_;
  ::kill(pid, SIGTERM);
  wait_for_exit(options_.stop_timeout);
  if (pid_ < 0) {
    return ::testing::AssertionSuccess();
  }
  ::kill(pid, SIGKILL);
  wait_for_exit(10s);
  return ::testing::AssertionFailure()
         << "dockerd " << pid << " did not exit within " << options_.stop_timeout.count()
         << " s of SIGTERM and was killed; its log:\n"
         << log_tail();
}

bool NetnsEngine::running() {
  if (pid_ < 0) {
    return false;
  }
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) {
    return true;
  }
  pid_ = -1;
  return false;
}

bool NetnsEngine::ping() const {
  const ShellResult r = run_shell("curl -s --max-time 2 --unix-socket " +
                                  shell_quote(socket_path_) + " http://localhost/_ping");
  return r.exit_code == 0 && r.out == "OK";
}

void NetnsEngine::wait_for_exit(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
}

::testing::AssertionResult NetnsEngine::load_image(const std::string& image) {
  const std::string tar = dir_ + "/image.tar";
  auto saved = shell_step("docker save " + image,
                          docker_cli() + " save -o " + shell_quote(tar) + " " + shell_quote(image));
  if (saved) {
    saved = shell_step("docker load into " + name_,
                       docker() + " load -q -i " + shell_quote(tar) + " >/dev/null");
  }
  std::error_code ec;
  fs::remove(tar, ec);
  return saved;
}

std::string NetnsEngine::docker() const {
  return docker_cli(socket_path_);
}

std::string NetnsEngine::log_tail(std::size_t lines) const {
  std::ifstream in(log_path_);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) {
    all.push_back(std::move(line));
  }
  std::string tail;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    tail += all[i] + "\n";
  }
  return tail;
}

void NetnsEngine::remove_everything() {
  if (running()) {
    // Removing the containers first keeps shutdown quick (no stop timeouts to wait out).
    if (ping()) {
      (void)run_shell(docker() + " ps -aq | xargs -r " + docker() + " rm -f >/dev/null 2>&1");
    }
    (void)stop();
  }
  std::error_code ec;
  if (prepared_ || fs::exists(dir_, ec)) {
    remove_leftovers(name_, dir_);
  }
}

} // namespace aic::e2e
