// `aic cp`, `aic build` and `aic pull` through a real aicd against the real engine.

#include "aicd_fixture.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CpBuildPullTest : public AicdProjectTest {
protected:
  std::string container(const std::string& service, int n = 1) { return name(service, n); }
  /// `sh -c script` in the container, its stdout trimmed.
  std::string in_container(const std::string& name, const std::string& script) {
    return trim(run_shell(docker_cli() + " exec " + shell_quote(name) + " sh -c " +
                          shell_quote(script) + " 2>&1")
                    .out);
  }
  std::string local(const std::string& script) {
    return trim(run_shell("cd " + shell_quote(dir_) + " && " + script + " 2>&1").out);
  }
  void up_app(int replicas = 1) {
    compose("services:\n"
            "  app:\n"
            "    image: aic-test/busybox:latest\n"
            "    command: [sleep, '3600']\n"
            "    stop_signal: SIGKILL\n"
            "    scale: " +
            std::to_string(replicas) + "\n");
    AicResult up = run_aic(*aicd_, dir_, {"up", "-d"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }
};

TEST_F(CpBuildPullTest, CpRoundTripsAFileWithItsContentAndMode) {
  ASSERT_NO_FATAL_FAILURE(up_app());
  write_file(dir_ + "/data.txt", "hello\nworld\n");
  ASSERT_EQ(::chmod((dir_ + "/data.txt").c_str(), 0754), 0);

  AicResult to = aic({"cp", "data.txt", "app:/tmp/"});
  ASSERT_EQ(to.exit_code, 0) << to.err;
  EXPECT_EQ(in_container(container("app"), "cat /tmp/data.txt"), "hello\nworld");
  EXPECT_EQ(in_container(container("app"), "stat -c %a /tmp/data.txt"), "754");

  // To a new name, then back out under yet another name.
  AicResult renamed = aic({"cp", "data.txt", "app:/tmp/renamed.txt"});
  ASSERT_EQ(renamed.exit_code, 0) << renamed.err;
  AicResult back = aic({"cp", "app:/tmp/renamed.txt", "back.txt"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(local("cat back.txt"), "hello\nworld");
  EXPECT_EQ(local("stat -c %a back.txt"), "754");
  EXPECT_EQ(local("cmp data.txt back.txt && echo same"), "same");
}

TEST_F(CpBuildPullTest, CpCopiesADirectoryRecursivelyBothWays) {
  ASSERT_NO_FATAL_FAILURE(up_app());
  local("mkdir -p tree/sub && printf A > tree/a.txt && printf B > tree/sub/b.txt && "
        "chmod 700 tree/sub && ln -s a.txt tree/link");

  AicResult to = aic({"cp", "tree", "app:/tmp/copied"});
  ASSERT_EQ(to.exit_code, 0) << to.err;
  EXPECT_EQ(in_container(container("app"), "cat /tmp/copied/a.txt /tmp/copied/sub/b.txt"), "AB");
  EXPECT_EQ(in_container(container("app"), "readlink /tmp/copied/link"), "a.txt");
  EXPECT_EQ(in_container(container("app"), "stat -c %a /tmp/copied/sub"), "700");

  // Into an existing directory it lands inside, under its own name.
  local("mkdir existing");
  AicResult into = aic({"cp", "app:/tmp/copied", "existing"});
  ASSERT_EQ(into.exit_code, 0) << into.err;
  EXPECT_EQ(local("cat existing/copied/a.txt existing/copied/sub/b.txt"), "AB");
  EXPECT_EQ(local("readlink existing/copied/link"), "a.txt");
  EXPECT_EQ(local("stat -c %a existing/copied/sub"), "700");

  // To a missing path it takes that name; "dir/." copies the contents only.
  AicResult fresh = aic({"cp", "app:/tmp/copied", "fresh"});
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;
  EXPECT_EQ(local("cat fresh/a.txt"), "A");
  local("mkdir contents");
  AicResult dot = aic({"cp", "app:/tmp/copied/.", "contents"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(local("cat contents/a.txt contents/sub/b.txt"), "AB");
  EXPECT_EQ(local("test -e contents/copied || echo absent"), "absent");
}

TEST_F(CpBuildPullTest, CpToEveryReplicaOrToOneByIndexAndTarOnStdout) {
  ASSERT_NO_FATAL_FAILURE(up_app(2));
  write_file(dir_ + "/f.txt", "replicated");
  AicResult all = aic({"cp", "f.txt", "app:/tmp/f.txt"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(in_container(container("app", 1), "cat /tmp/f.txt"), "replicated");
  EXPECT_EQ(in_container(container("app", 2), "cat /tmp/f.txt"), "replicated");

  write_file(dir_ + "/g.txt", "second only");
  AicResult one = aic({"cp", "--index", "2", "g.txt", "app:/tmp/g.txt"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(in_container(container("app", 2), "cat /tmp/g.txt"), "second only");
  EXPECT_THAT(in_container(container("app", 1), "cat /tmp/g.txt"), HasSubstr("No such file"));

  // `-` writes the engine's tar to stdout.
  AicResult tar = aic({"cp", "--index", "2", "app:/tmp/g.txt", "-"});
  ASSERT_EQ(tar.exit_code, 0) << tar.err;
  write_file(dir_ + "/out.tar", tar.out);
  EXPECT_EQ(local("tar -xOf out.tar g.txt"), "second only");
}

TEST_F(CpBuildPullTest, CpFailsClearlyForAMissingServiceOrPath) {
  ASSERT_NO_FATAL_FAILURE(up_app());
  write_file(dir_ + "/f.txt", "x");
  AicResult service = aic({"cp", "f.txt", "nope:/tmp/"});
  EXPECT_EQ(service.exit_code, 1);
  EXPECT_THAT(service.err, HasSubstr("no container found for the service \"nope\""));

  AicResult index = aic({"cp", "--index", "5", "f.txt", "app:/tmp/"});
  EXPECT_EQ(index.exit_code, 1);
  EXPECT_THAT(index.err, HasSubstr("has no container number 5"));

  AicResult path = aic({"cp", "app:/does/not/exist", "out"});
  EXPECT_EQ(path.exit_code, 1);
  EXPECT_THAT(path.err, HasSubstr("/does/not/exist"));
  EXPECT_EQ(local("test -e out || echo absent"), "absent");

  AicResult both = aic({"cp", "app:/a", "app:/b"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_THAT(both.err, HasSubstr("copying between services is not supported"));
}

const std::string kDockerfile = "FROM aic-test/busybox:latest\n"
                                "ARG GREETING=none\n"
                                "RUN echo \"$GREETING\" > /greeting\n";

TEST_F(CpBuildPullTest, BuildBuildsTheServiceImageWithBuildArgs) {
  write_file(dir_ + "/Dockerfile", kDockerfile);
  compose("services:\n"
          "  img:\n"
          "    build: {context: ., args: {GREETING: from-compose}}\n"
          "  plain:\n"
          "    image: aic-test/busybox:latest\n");
  const std::string image = project_ + "-img";

  AicResult build = aic({"build", "--progress=plain", "img", "plain"});
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_THAT(build.err, HasSubstr("Built"));
  const std::string run = docker_cli() + " run --rm " + image + " cat /greeting";
  EXPECT_EQ(trim(run_shell(run).out), "from-compose");
  EXPECT_EQ(inspect(image, "{{index .Config.Labels \"com.docker.compose.project\"}}"), project_);
  EXPECT_EQ(inspect(image, "{{index .Config.Labels \"com.docker.compose.service\"}}"), "img");

  AicResult with_arg = aic({"build", "-q", "--build-arg", "GREETING=from-cli"});
  ASSERT_EQ(with_arg.exit_code, 0) << with_arg.err;
  EXPECT_EQ(trim(run_shell(run).out), "from-cli");

  // --no-cache runs the RUN step again: a new image.
  const std::string before = inspect(image, "{{.Id}}");
  AicResult cached = aic({"build", "--build-arg", "GREETING=from-cli"});
  ASSERT_EQ(cached.exit_code, 0) << cached.err;
  EXPECT_EQ(inspect(image, "{{.Id}}"), before);
  AicResult no_cache = aic({"build", "--no-cache", "--build-arg", "GREETING=from-cli"});
  ASSERT_EQ(no_cache.exit_code, 0) << no_cache.err;
  EXPECT_NE(inspect(image, "{{.Id}}"), before);
  EXPECT_EQ(trim(run_shell(run).out), "from-cli");
}

TEST_F(CpBuildPullTest, BuildRefusesUnknownServicesAndReportsBuildFailures) {
  write_file(dir_ + "/Dockerfile",
             "FROM aic-test/busybox:latest\nRUN echo " + project_ + " && exit 7\n");
  compose("services:\n"
          "  img:\n"
          "    build: .\n");
  AicResult unknown = aic({"build", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no such service: nope"));
  EXPECT_EQ(inspect(project_ + "-img", "{{.Id}}"), "");

  AicResult failed = aic({"build"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.err, HasSubstr("returned a non-zero code: 7"));
  // No stopped container of the failed step is left behind (docker compose's BuildKit leaves
  // none either).
  EXPECT_THAT(run_shell(docker_cli() + " ps -a --no-trunc --format '{{.Command}}'").out,
              Not(HasSubstr(project_)));
}

TEST_F(CpBuildPullTest, PullFailureFailsWithTheEnginesMessageUnlessIgnored) {
  compose("services:\n"
          "  remote:\n"
          "    image: 127.0.0.1:9/nope:1\n"
          "  local:\n"
          "    image: aic-test/busybox:latest\n"
          "    pull_policy: missing\n"
          "  built:\n"
          "    build: .\n");
  write_file(dir_ + "/Dockerfile", "FROM aic-test/busybox:latest\n");

  AicResult failed = aic({"pull", "--progress=plain"});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_THAT(failed.err, HasSubstr("127.0.0.1:9"));
  EXPECT_THAT(failed.err, HasSubstr("service remote: pulling 127.0.0.1:9/nope:1"));

  AicResult ignored = aic({"pull", "--progress=plain", "--ignore-pull-failures"});
  EXPECT_EQ(ignored.exit_code, 0) << ignored.err;
  EXPECT_THAT(ignored.err, HasSubstr("warning: service remote: pulling 127.0.0.1:9/nope:1"));

  // Nothing to pull: present with pull_policy missing, and build only (no image:).
  AicResult skipped = aic({"pull", "--progress=plain", "local", "built"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_THAT(skipped.err, HasSubstr("already present"));
  EXPECT_THAT(skipped.err, HasSubstr("no image to be pulled"));
  EXPECT_THAT(skipped.err, Not(HasSubstr("Pulling")));

  AicResult unknown = aic({"pull", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("no such service: nope"));
}

} // namespace
} // namespace aic::e2e
