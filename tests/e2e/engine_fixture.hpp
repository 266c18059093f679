#pragma once

// Shared ground for the end-to-end tests, which run against the real Docker engine: where the
// engine is, whether it answered, the test image, unique project names, shell helpers and the
// cleanup of everything a test created.
//
// A test checks the engine first (derive from EngineTest, or call AIC_E2E_REQUIRE_ENGINE() in a
// plain TEST). When the engine is unreachable the test is skipped with the reason, or fails when
// the environment variable AIC_E2E_REQUIRED=1 (scripts/test.sh sets it).

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace aic::e2e {

/// The image every e2e test runs; made by scripts/e2e-image.sh from the host's busybox-static.
inline constexpr std::string_view kTestImage = "aic-test/busybox:latest";
/// The Compose label that names a container's, network's or volume's project.
inline constexpr std::string_view kProjectLabel = "com.docker.compose.project";

/// Engine socket path: DOCKER_HOST when it is unix://…, else /var/run/docker.sock.
const std::string& engine_socket();
/// True when the global environment found the engine answering /_ping and made the test image.
bool engine_available();
/// Why the engine is not available (empty when it is).
const std::string& engine_unavailable_reason();
/// True when AIC_E2E_REQUIRED=1: an unavailable engine fails the tests instead of skipping them.
bool e2e_required();

/// The global environment: probes the engine, runs scripts/e2e-image.sh and removes the projects
/// that crashed e2e processes left on the host engine (an "aice2e-…" project whose pid is gone),
/// once per process. Registered by tests/e2e/main.cpp.
class EngineEnvironment : public ::testing::Environment {
public:
  void SetUp() override;
};

/// Base fixture: skips (or fails, when required) the test when the engine is unavailable.
/// Derived fixtures that override SetUp() call EngineTest::SetUp() first and return when
/// IsSkipped() or HasFatalFailure().
class EngineTest : public ::testing::Test {
protected:
  void SetUp() override;
};

/// For plain TEST()s: returns from the test (skipped or failed) when the engine is unavailable.
#define AIC_E2E_REQUIRE_ENGINE()                                                                   \
  do {                                                                                             \
    if (!::aic::e2e::engine_available()) {                                                         \
      if (::aic::e2e::e2e_required()) {                                                            \
        GTEST_FAIL() << ::aic::e2e::engine_unavailable_reason();                                   \
      }                                                                                            \
      GTEST_SKIP() << ::aic::e2e::engine_unavailable_reason();                                     \
    }                                                                                              \
  } while (false)

/// A Compose project name no other test or run uses: "aice2e-<test>-<pid>-<n>", lower case,
/// only [a-z0-9-], the test part shortened to 40 characters.
std::string unique_project(std::string_view test_name);

/// The outcome of run_shell: the exit status (128+N when killed by signal N, -1 when the shell
/// could not be started) and everything the command wrote to stdout.
struct ShellResult {
  int exit_code = -1;
  std::string out;
};

/// Runs `cmd` with /bin/sh -c and collects its stdout; stderr passes through to the test's.
/// Append 2>&1 to capture both.
ShellResult run_shell(const std::string& cmd);

/// `value` quoted for /bin/sh: 'it'\''s'.
std::string shell_quote(std::string_view value);

/// The docker CLI pointed at an engine socket: "docker -H unix:///…". `socket_path` empty means
/// engine_socket().
std::string docker_cli(const std::string& socket_path = "");

/// `s` without leading and trailing whitespace (for command output).
std::string trim(std::string_view s);

/// Removes every container (with its anonymous volumes), network, volume and image labelled
/// com.docker.compose.project=<project> from the engine at `socket_path` (empty: engine_socket()).
/// Returns what could not be removed, one "kind: id id" line per kind (empty when all went).
std::string remove_project(const std::string& project, const std::string& socket_path = "");

/// remove_project() for one project when constructed (what an earlier run left behind) and when
/// destroyed; the destructor adds a test failure if anything survives.
class ProjectCleanup {
public:
  /// `socket_path` empty means the host engine, engine_socket().
  explicit ProjectCleanup(std::string project, std::string socket_path = "");
  ~ProjectCleanup();
  ProjectCleanup(const ProjectCleanup&) = delete;
  ProjectCleanup& operator=(const ProjectCleanup&) = delete;

  /// Removes everything now; returns what could not be removed (empty when all went).
  std::string remove_all() const;

  const std::string& project() const { return project_; }

private:
  std::string project_;
  std::string socket_path_;
};

} // namespace aic::e2e
