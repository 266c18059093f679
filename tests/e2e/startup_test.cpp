// aicd where its files are not as it needs them (docs/reliability.md, "Faults"): a state
// directory that is a file, unreadable, full or holding a corrupt file, a socket path that is
// taken. Each ends in a clear message and a non-zero exit, or a clear error for the one request
// that needed the broken part, never a crash, and nothing created on the engine.

#include "aicd_fixture.hpp"

#include <filesystem>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;

/// Runs aicd with `args` (it must stop on its own within 10 s); exit code and everything it
/// printed.
ShellResult run_aicd(const std::string& args, const std::string& prefix = "") {
  return run_shell(prefix + "timeout 10 " + shell_quote(std::string(AIC_BINARY_DIR) + "/aicd") +
                   " --docker-host " + shell_quote("unix://" + engine_socket()) + " " + args +
                   " 2>&1");
}

class AicdStartup : public EngineTest {
protected:
  void SetUp() override {
    EngineTest::SetUp();
    dir_ = make_temp_dir("aic-e2e-startup");
  }
  void TearDown() override {
    run_shell("umount " + shell_quote(dir_ + "/full") + " 2>/dev/null");
    remove_dir(dir_);
    EngineTest::TearDown();
  }
  std::string dir_;
};

TEST_F(AicdStartup, AStateDirectoryThatIsAFileIsNamed) {
  write_file(dir_ + "/state", "not a directory");
  const ShellResult r = run_aicd("--socket " + dir_ + "/a.sock --state-dir " + dir_ + "/state");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("state path " + dir_ + "/state is not a directory"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/a.sock"));
}

TEST_F(AicdStartup, AStateDirectoryItCannotWriteIsNamed) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "switching to another user needs root";
  }
  std::filesystem::create_directories(dir_ + "/state");
  std::filesystem::create_directories(dir_ + "/run");
  ::chmod((dir_ + "/state").c_str(), 0700); // root's; aicd runs as nobody below
  ::chmod((dir_ + "/run").c_str(), 0777);
  ::chmod(dir_.c_str(), 0755);
  const ShellResult r = run_aicd("--socket " + dir_ + "/run/a.sock --state-dir " + dir_ + "/state",
                                 "setpriv --reuid=65534 --regid=65534 --clear-groups ");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr(dir_ + "/state/projects: Permission denied"));
}

TEST_F(AicdStartup, ASocketPathThatIsTakenIsNotReplaced) {
  write_file(dir_ + "/file.sock", "precious");
  const ShellResult file =
      run_aicd("--socket " + dir_ + "/file.sock --state-dir " + dir_ + "/state");
  EXPECT_EQ(file.exit_code, 1) << file.out;
  EXPECT_THAT(file.out, HasSubstr(dir_ + "/file.sock exists and is not a socket"));
  EXPECT_EQ(run_shell("cat " + shell_quote(dir_ + "/file.sock")).out, "precious");

  // Another aicd on the same socket keeps it.
  AicdProcess first;
  ASSERT_TRUE(first.start());
  const ShellResult second =
      run_aicd("--socket " + first.socket_path() + " --state-dir " + dir_ + "/state2");
  EXPECT_EQ(second.exit_code, 1) << second.out;
  EXPECT_THAT(second.out, HasSubstr("another aicd"));
  EXPECT_FALSE(get_json(first, "/v1/projects").is_discarded()) << "the first aicd still answers";
}

TEST_F(AicdStartup, AFullStateDiskFailsTheUpClearlyAndCreatesNothing) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "mounting a small tmpfs needs root";
  }
  const std::string full = dir_ + "/full";
  std::filesystem::create_directories(full);
  ASSERT_EQ(run_shell("mount -t tmpfs -o size=64k tmpfs " + shell_quote(full)).exit_code, 0);
  AicdProcess aicd({"--state-dir", full});
  ASSERT_TRUE(aicd.start());
  run_shell("dd if=/dev/zero of=" + shell_quote(full + "/fill") + " bs=1k count=128 2>/dev/null");

  const std::string project = unique_project("AFullStateDisk");
  ProjectCleanup cleanup(project);
  const std::string project_dir = dir_ + "/project";
  std::filesystem::create_directories(project_dir);
  write_file(project_dir + "/compose.yaml",
             "name: " + project +
                 "\nservices:\n  a:\n    image: aic-test/busybox:latest\n    command: [sleep, "
                 "'3600']\n");
  const AicResult up = run_aic(aicd, project_dir, {"up", "-d"});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_THAT(up.err, HasSubstr("saving the desired state"));
  EXPECT_THAT(up.err, HasSubstr("No space left on device"));
  EXPECT_TRUE(project_containers(project).empty());
  // No temporary file left behind, and aicd still serves.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(full)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
  }
  EXPECT_FALSE(get_json(aicd, "/v1/projects").is_discarded());
  aicd.stop();
}

TEST_F(AicdStartup, ACorruptStateFileIsReportedAndDownClearsIt) {
  AicdProcess aicd;
  std::filesystem::create_directories(aicd.state_dir() + "/projects");
  write_file(aicd.state_dir() + "/projects/broken.json", std::string("\0{garbage", 9));
  ASSERT_TRUE(aicd.start());
  EXPECT_TRUE(get_json(aicd, "/v1/projects").is_array());
  const ShellResult config = run_shell("curl -s --unix-socket " + shell_quote(aicd.socket_path()) +
                                       " http://aicd/v1/projects/broken/config");
  EXPECT_THAT(config.out, HasSubstr("the state file of broken (" + aicd.state_dir() +
                                    "/projects/broken.json) is not JSON"));
  const std::string empty_dir = make_temp_dir("aic-e2e-startup-p");
  const AicResult down = run_aic(aicd, empty_dir, {"-p", "broken", "down"});
  EXPECT_EQ(down.exit_code, 0) << down.err;
  EXPECT_FALSE(std::filesystem::exists(aicd.state_dir() + "/projects/broken.json"));
  EXPECT_THAT(aicd.log(), HasSubstr("is not JSON"));
  remove_dir(empty_dir);
}

} // namespace
} // namespace aic::e2e
