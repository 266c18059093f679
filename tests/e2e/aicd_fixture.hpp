#pragma once

// aicd and aic as users run them: the real binaries (built next to the tests), an aicd on a
// private socket and state directory, the aic command run in a project directory.

#include "engine_fixture.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/types.h>
#include <vector>

namespace aic::e2e {

/// One aicd process on a temporary socket and state dir, talking to the host engine.
class AicdProcess {
public:
  /// `extra_args` are added to aicd's command line (e.g. --listen, --token-file).
  explicit AicdProcess(std::vector<std::string> extra_args = {});
  /// SIGTERM (aicd leaves the containers running), then removes the temporary directory.
  ~AicdProcess();
  AicdProcess(const AicdProcess&) = delete;
  AicdProcess& operator=(const AicdProcess&) = delete;

  /// Starts aicd and waits until its socket answers; false (with the log) when it does not.
  bool start();
  /// SIGKILL, as a crash: no cleanup of any kind.
  void kill9();
  /// SIGTERM and wait for the exit.
  void stop();

  /// "unix:///tmp/…/aicd.sock", for --host / AIC_HOST.
  std::string host() const { return "unix://" + socket_; }
  const std::string& state_dir() const { return state_dir_; }
  const std::string& socket_path() const { return socket_; }
  /// The private directory of this aicd (socket, state, log); removed with it.
  const std::string& dir() const { return dir_; }
  /// What aicd logged so far.
  std::string log() const;
  /// The process id while running, else -1.
  pid_t pid() const { return pid_; }
  /// aicd's resident memory now (VmRSS), in KiB; 0 when it does not run.
  long rss_kib() const;

private:
  std::string dir_;
  std::string socket_;
  std::string state_dir_;
  std::string log_file_;
  std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

struct AicResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `aic ARGS…` in `dir` against `aicd`, with --progress plain.
AicResult run_aic(const AicdProcess& aicd, const std::string& dir,
                  const std::vector<std::string>& args);

/// The same, in the background: the shell command line to start, for `&`-style concurrency.
std::string aic_command(const AicdProcess& aicd, const std::string& dir,
                        const std::vector<std::string>& args);

/// A test with its own aicd, a project directory and a unique project name; everything the
/// project leaves on the engine is removed at the end (a failure names what survived), and
/// aicd's log is printed when the test failed.
class AicdProjectTest : public EngineTest {
protected:
  void SetUp() override;
  void TearDown() override;

  /// Writes compose.yaml with `name: <project>` prepended.
  void compose(const std::string& body);
  /// `aic ARGS…` in the project directory against this test's aicd.
  AicResult aic(std::vector<std::string> args);
  /// The Compose name of a service's container: `<project>-<service>-<n>`.
  std::string name(const std::string& service, int n = 1) const;

  std::string project_;
  std::string dir_;
  std::unique_ptr<ProjectCleanup> cleanup_;
  std::unique_ptr<AicdProcess> aicd_;
};

/// GET `path` from aicd over its socket (JSON; discarded when the request failed).
nlohmann::json get_json(const AicdProcess& aicd, const std::string& path);

/// The project's buffered events of `types` (aicd keeps the latest 4096), as SSE data objects.
std::vector<nlohmann::json> project_events(const AicdProcess& aicd, const std::string& project,
                                           const std::string& types = "supervisor");

/// A fresh temporary directory for a project's files; removed by remove_dir().
std::string make_temp_dir(const std::string& prefix);
void remove_dir(const std::string& dir);
void write_file(const std::string& path, const std::string& content);

/// `docker inspect -f FORMAT target` on the host engine, trimmed; "" when it fails.
std::string inspect(const std::string& target, const std::string& format);
/// Names of the project's containers (all states), sorted.
std::vector<std::string> project_containers(const std::string& project);
/// Nanoseconds since the epoch of an RFC 3339 time as the engine prints it; 0 when unparsable.
long long rfc3339_ns(const std::string& time);

} // namespace aic::e2e
