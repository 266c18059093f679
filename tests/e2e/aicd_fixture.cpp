#include "aicd_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace aic::e2e {

namespace {

bool socket_answers(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    return false;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

nlohmann::json get_json(const AicdProcess& aicd, const std::string& path) {
  ShellResult r =
      run_shell("curl -sf --max-time 5 --unix-socket " + shell_quote(aicd.socket_path()) + " " +
                shell_quote("http://aicd" + path));
  return nlohmann::json::parse(r.out, nullptr, false);
}

std::vector<nlohmann::json> project_events(const AicdProcess& aicd, const std::string& project,
                                           const std::string& types) {
  ShellResult r = run_shell(
      "curl -s --max-time 1 --unix-socket " + shell_quote(aicd.socket_path()) + " " +
      shell_quote("http://aicd/v1/projects/" + project + "/events?since_id=0&types=" + types));
  std::vector<nlohmann::json> out;
  std::stringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("data:", 0) == 0) {
      nlohmann::json j = nlohmann::json::parse(line.substr(5), nullptr, false);
      if (!j.is_discarded()) {
        out.push_back(std::move(j));
      }
    }
  }
  return out;
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!::mkdtemp(buf.data())) {
    ADD_FAILURE() << "mkdtemp failed";
    return "/tmp";
  }
  return buf.data();
}

void remove_dir(const std::string& dir) {
  if (dir.rfind("/tmp/", 0) == 0 && dir.size() > 5) {
    run_shell("rm -rf " + shell_quote(dir));
  }
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

AicdProcess::AicdProcess(std::vector<std::string> extra_args)
    : dir_(make_temp_dir("aicd-e2e")), socket_(dir_ + "/aicd.sock"), state_dir_(dir_ + "/state"),
      log_file_(dir_ + "/aicd.log"), extra_args_(std::move(extra_args)) {}

AicdProcess::~AicdProcess() {
  stop();
  remove_dir(dir_);
}

bool AicdProcess::start() {
  std::string binary = std::string(AIC_BINARY_DIR) + "/aicd";
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::string docker = "unix://" + engine_socket();
    std::vector<std::string> args = {binary,        "--socket",    socket_,
                                     "--state-dir", state_dir_,    "--docker-host",
                                     docker,        "--log-level", "debug"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args) {
      argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (socket_answers(socket_)) {
      return true;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      ADD_FAILURE() << "aicd exited at start:\n" << log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "aicd did not answer on " << socket_ << " within 10 s:\n" << log();
  return false;
}

void AicdProcess::kill9() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void AicdProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "aicd did not stop within 5 s of SIGTERM";
    kill9();
  }
}

std::string AicdProcess::log() const {
  return read_all(log_file_);
}

long AicdProcess::rss_kib() const {
  if (pid_ <= 0) {
    return 0;
  }
  std::stringstream status(read_all("/proc/" + std::to_string(pid_) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtol(line.c_str() + 6, nullptr, 10);
    }
  }
  return 0;
}

std::string aic_command(const AicdProcess& aicd, const std::string& dir,
                        const std::vector<std::string>& args) {
  std::string cmd = "cd " + shell_quote(dir) + " && AIC_HOST=" + shell_quote(aicd.host()) + " " +
                    shell_quote(std::string(AIC_BINARY_DIR) + "/aic");
  for (const auto& a : args) {
    cmd += " " + shell_quote(a);
  }
  return cmd;
}

AicResult run_aic(const AicdProcess& aicd, const std::string& dir,
                  const std::vector<std::string>& args) {
  std::string err_file = dir + "/.aic-stderr";
  std::vector<std::string> all = args;
  static const std::set<std::string> kWithProgress = {
      "up", "down", "create", "start", "stop", "restart", "kill", "pause", "unpause", "rm"};
  if (!all.empty() && kWithProgress.count(all[0]) != 0) {
    all.insert(all.begin() + 1, "--progress=plain");
  }
  ShellResult r = run_shell(aic_command(aicd, dir, all) + " 2>" + shell_quote(err_file));
  AicResult out{r.exit_code, r.out, read_all(err_file)};
  ::unlink(err_file.c_str());
  return out;
}

std::string inspect(const std::string& target, const std::string& format) {
  ShellResult r = run_shell(docker_cli() + " inspect -f " + shell_quote(format) + " " +
                            shell_quote(target) + " 2>/dev/null");
  return r.exit_code == 0 ? trim(r.out) : std::string();
}

std::vector<std::string> project_containers(const std::string& project) {
  ShellResult r = run_shell(docker_cli() + " ps -a --filter " +
                            shell_quote("label=" + std::string(kProjectLabel) + "=" + project) +
                            " --format '{{.Names}}'");
  std::vector<std::string> names;
  std::stringstream ss(r.out);
  std::string line;
  while (std::getline(ss, line)) {
    if (!line.empty()) {
      names.push_back(line);
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

long long rfc3339_ns(const std::string& time) {
  ShellResult r = run_shell("date -d " + shell_quote(time) + " +%s%N 2>/dev/null");
  if (r.exit_code != 0) {
    return 0;
  }
  try {
    return std::stoll(trim(r.out));
  } catch (...) {
    return 0;
  }
}

void AicdProjectTest::SetUp() {
  EngineTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) {
    return;
  }
  project_ = unique_project(::testing::UnitTest::GetInstance()->current_test_info()->name());
  cleanup_ = std::make_unique<ProjectCleanup>(project_);
  dir_ = make_temp_dir("aic-e2e-project");
  aicd_ = std::make_unique<AicdProcess>();
  ASSERT_TRUE(aicd_->start());
}

void AicdProjectTest::TearDown() {
  if (HasFailure() && aicd_) {
    std::cerr << "aicd log:\n" << aicd_->log();
  }
  aicd_.reset();
  cleanup_.reset();
  remove_dir(dir_);
}

void AicdProjectTest::compose(const std::string& body) {
  write_file(dir_ + "/compose.yaml", "name: " + project_ + "\n" + body);
}

AicResult AicdProjectTest::aic(std::vector<std::string> args) {
  return run_aic(*aicd_, dir_, args);
}

std::string AicdProjectTest::name(const std::string& service, int n) const {
  return project_ + "-" + service + "-" + std::to_string(n);
}

} // namespace aic::e2e
