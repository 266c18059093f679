#pragma once

// A private Docker engine for tests that stop, restart or reconfigure one. It runs in a network
// namespace of its own ("aic-e2e-<pid>-<n>", made with `ip netns add`) with its own data root,
// exec root, socket, pidfile and config file under /tmp/aic-e2e-<pid>-<n>/, so it never touches
// the host's engine, bridges or iptables. Needs root, iproute2 (ip), util-linux (nsenter),
// dockerd, the docker CLI and curl.

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <sys/types.h>
#include <vector>

namespace aic::e2e {

struct NetnsEngineOptions {
  /// Keep Docker's default "bridge" network (a docker0 inside the namespace). Off: `--bridge
  /// none`; user-defined bridge networks work either way.
  bool default_bridge = false;
  /// How long start() waits for /_ping to answer.
  std::chrono::seconds ready_timeout{60};
  /// How long stop() waits for dockerd to exit after SIGTERM. dockerd stops running containers
  /// first, each within its own stop timeout (10 s unless the container says otherwise).
  std::chrono::seconds stop_timeout{60};
  /// More dockerd flags, e.g. {"--live-restore"}.
  std::vector<std::string> extra_args;
  /// A directory put first on dockerd's PATH (e.g. one with a stub
  /// nvidia-container-runtime-hook, which makes the engine register its nvidia device driver).
  std::string path_prefix;
};

/// One private dockerd. Not thread-safe; call start() from the test's thread (the engine gets
/// SIGTERM when that thread's process dies, so a crashed test leaves no engine running).
class NetnsEngine {
public:
  explicit NetnsEngine(NetnsEngineOptions options = {});
  /// Removes the engine's containers, stops it (SIGKILL after stop_timeout), unmounts and deletes
  /// its directory and deletes the namespace.
  ~NetnsEngine();
  NetnsEngine(const NetnsEngine&) = delete;
  NetnsEngine& operator=(const NetnsEngine&) = delete;

  /// Starts dockerd and waits until /_ping answers. The first call creates the namespace and the
  /// directories (and reaps those of dead earlier runs); later calls restart the engine on the
  /// same data root, so its images, containers, networks and volumes persist.
  ::testing::AssertionResult start();
  /// Sends SIGTERM and waits for dockerd to exit (its socket is gone afterwards).
  ::testing::AssertionResult stop();
  /// True while the dockerd process started by start() has not exited.
  bool running();
  /// True when the socket answers GET /_ping with "OK".
  bool ping() const;

  /// Copies `image` from the host engine into this one (docker save | docker load).
  ::testing::AssertionResult load_image(const std::string& image = "aic-test/busybox:latest");

  /// The namespace's name, for `ip netns exec NAME …` / `nsenter --net=/var/run/netns/NAME`.
  const std::string& netns() const { return name_; }
  /// The engine's socket path (absolute).
  const std::string& socket_path() const { return socket_path_; }
  /// "unix:///tmp/aic-e2e-…/docker.sock", for DOCKER_HOST.
  std::string docker_host() const { return "unix://" + socket_path_; }
  /// "docker -H unix:///…" for run_shell.
  std::string docker() const;
  /// dockerd's process id, or -1 when it is not running.
  pid_t pid() const { return pid_; }
  /// The last `lines` lines of dockerd's log, for failure messages.
  std::string log_tail(std::size_t lines = 40) const;

private:
  ::testing::AssertionResult prepare();
  void wait_for_exit(std::chrono::seconds timeout);
  void remove_everything();

  NetnsEngineOptions options_;
  std::string name_;
  std::string dir_;
  std::string socket_path_;
  std::string log_path_;
  bool prepared_ = false;
  pid_t pid_ = -1;
};

} // namespace aic::e2e
