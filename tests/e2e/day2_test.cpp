// The day-2 commands through a real aicd against the real engine: ps (json fields, filters),
// port, the lifecycle commands (stop, start, restart, pause, unpause, kill, rm), logs -f across
// a restart, top, images, wait and ls.

#include "aicd_fixture.hpp"

#include <chrono>
#include <csignal>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Day2Test : public AicdProjectTest {
protected:
  std::vector<nlohmann::json> ps_json(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"ps", "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    AicResult ps = aic(args);
    EXPECT_EQ(ps.exit_code, 0) << ps.err;
    std::vector<nlohmann::json> out;
    std::stringstream lines(ps.out);
    for (std::string line; std::getline(lines, line);) {
      out.push_back(nlohmann::json::parse(line));
    }
    return out;
  }
};

const std::string kSleep = "    image: aic-test/busybox:latest\n    command: [sleep, '3600']\n"
                           "    stop_signal: SIGKILL\n";

/// Polls `done` every 100 ms for up to `seconds`.
bool eventually(const std::function<bool()>& done, int seconds = 20) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

TEST_F(Day2Test, PsJsonHasComposeFieldsAndPortPrintsThePublishedAddress) {
  compose("services:\n  web:\n" + kSleep + "    ports: ['127.0.0.1::80']\n  db:\n" + kSleep);
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;

  std::vector<nlohmann::json> rows = ps_json();
  ASSERT_EQ(rows.size(), 2u);
  const nlohmann::json& web = rows[1];
  EXPECT_EQ(web["Name"], name("web"));
  EXPECT_EQ(web["Service"], "web");
  EXPECT_EQ(web["Project"], project_);
  EXPECT_EQ(web["Image"], "aic-test/busybox:latest");
  EXPECT_EQ(web["State"], "running");
  EXPECT_THAT(web["Status"].get<std::string>(), HasSubstr("Up"));
  EXPECT_EQ(web["ExitCode"], 0);
  EXPECT_EQ(web["ID"].get<std::string>().size(), 64u);
  EXPECT_EQ(web["ID"], inspect(name("web"), "{{.Id}}"));
  EXPECT_THAT(web["Command"].get<std::string>(), HasSubstr("sleep 3600"));
  EXPECT_THAT(web["Labels"].get<std::string>(), HasSubstr("com.docker.compose.service=web"));
  ASSERT_EQ(web["Publishers"].size(), 1u);
  const nlohmann::json& publisher = web["Publishers"][0];
  EXPECT_EQ(publisher["URL"], "127.0.0.1");
  EXPECT_EQ(publisher["TargetPort"], 80);
  EXPECT_EQ(publisher["Protocol"], "tcp");
  int published = publisher["PublishedPort"].get<int>();
  EXPECT_GT(published, 0);

  AicResult port = aic({"port", "web", "80"});
  ASSERT_EQ(port.exit_code, 0) << port.err;
  EXPECT_EQ(port.out, "127.0.0.1:" + std::to_string(published) + "\n");
  AicResult unpublished = aic({"port", "db", "80"});
  EXPECT_NE(unpublished.exit_code, 0);

  AicResult services = aic({"ps", "--services"});
  EXPECT_EQ(services.out, "db\nweb\n");
  AicResult quiet = aic({"ps", "-q", "web"});
  EXPECT_EQ(quiet.out, web["ID"].get<std::string>() + "\n");
  EXPECT_TRUE(ps_json({"--status", "exited"}).empty());
  AicResult bad = aic({"ps", "--status", "sleeping"});
  EXPECT_EQ(bad.exit_code, 2);
  AicResult table = aic({"ps"});
  EXPECT_THAT(table.out, HasSubstr("NAME"));
  EXPECT_THAT(table.out, HasSubstr("127.0.0.1:" + std::to_string(published) + "->80/tcp"));
}

TEST_F(Day2Test, LifecycleCommandsChangeContainerStates) {
  compose("services:\n  web:\n" + kSleep +
          "  api:\n    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'trap \"exit 7\" TERM; sleep 3600 & wait']\n"
          "    depends_on: [web]\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  auto state = [&](const std::string& service) {
    return inspect(name(service), "{{.State.Status}}");
  };

  AicResult stop = aic({"stop", "api"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(state("api"), "exited");
  EXPECT_EQ(state("web"), "running");
  EXPECT_EQ(ps_json().size(), 1u);
  EXPECT_EQ(ps_json({"-a"}).size(), 2u);
  EXPECT_EQ(ps_json({"--filter", "status=exited"}).size(), 1u);

  AicResult start = aic({"start"});
  ASSERT_EQ(start.exit_code, 0) << start.err;
  EXPECT_EQ(state("api"), "running");

  std::string started = inspect(name("web"), "{{.State.StartedAt}}");
  AicResult restart = aic({"restart", "-t", "1", "web"});
  ASSERT_EQ(restart.exit_code, 0) << restart.err;
  EXPECT_NE(inspect(name("web"), "{{.State.StartedAt}}"), started);

  ASSERT_EQ(aic({"pause", "web"}).exit_code, 0);
  EXPECT_EQ(state("web"), "paused");
  ASSERT_EQ(aic({"unpause", "web"}).exit_code, 0);
  EXPECT_EQ(state("web"), "running");

  AicResult kill = aic({"kill", "-s", "SIGTERM", "api"});
  ASSERT_EQ(kill.exit_code, 0) << kill.err;
  EXPECT_TRUE(eventually([&] { return state("api") == "exited"; }));
  EXPECT_EQ(inspect(name("api"), "{{.State.ExitCode}}"), "7"); // the signal reached the trap

  AicResult unknown = aic({"stop", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("nosuch"));

  // rm asks first; a closed stdin answers no.
  AicResult declined = aic({"rm", "api"});
  EXPECT_EQ(declined.exit_code, 0);
  EXPECT_EQ(state("api"), "exited");
  // A running container is left alone without -s.
  ASSERT_EQ(aic({"rm", "-f", "web"}).exit_code, 0);
  EXPECT_EQ(state("web"), "running");
  ASSERT_EQ(aic({"rm", "-f"}).exit_code, 0);
  EXPECT_EQ(state("api"), "");
  ASSERT_EQ(aic({"rm", "-f", "-s"}).exit_code, 0);
  EXPECT_TRUE(project_containers(project_).empty());
  ASSERT_EQ(aic({"down"}).exit_code, 0);
}

TEST_F(Day2Test, LogsFollowSeesLaterLinesAndARestartedContainer) {
  compose("services:\n  talker:\n    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'echo hello-from-start; exec sleep 3600']\n"
          "    stop_signal: SIGKILL\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  std::string out_file = dir_ + "/follow.out";
  std::string pid_file = dir_ + "/follow.pid";
  ShellResult started =
      run_shell("(" + aic_command(*aicd_, dir_, {"logs", "-f", "--no-color"}) + " >" +
                shell_quote(out_file) + " 2>&1 & echo $! >" + shell_quote(pid_file) + ")");
  ASSERT_EQ(started.exit_code, 0);
  auto output = [&] { return run_shell("cat " + shell_quote(out_file)).out; };
  auto count = [&](const std::string& text) {
    std::string all = output();
    int n = 0;
    for (std::size_t at = all.find(text); at != std::string::npos; at = all.find(text, at + 1)) {
      ++n;
    }
    return n;
  };
  ASSERT_TRUE(eventually([&] { return count("hello-from-start") == 1; })) << output();
  // A line written after `logs -f` started.
  run_shell(docker_cli() + " exec " + name("talker") + " sh -c 'echo later-line > /proc/1/fd/1'");
  EXPECT_TRUE(eventually([&] { return count("later-line") == 1; })) << output();
  EXPECT_THAT(output(), HasSubstr(name("talker").substr(project_.size() + 1) + "  | "));

  // The restarted container is followed too: its start line comes again, once.
  ASSERT_EQ(aic({"restart", "talker"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return count("hello-from-start") == 2; })) << output();
  run_shell(docker_cli() + " exec " + name("talker") +
            " sh -c 'echo after-restart > /proc/1/fd/1'");
  EXPECT_TRUE(eventually([&] { return count("after-restart") == 1; })) << output();

  // Ctrl-C ends it cleanly.
  std::string pid = trim(run_shell("cat " + shell_quote(pid_file)).out);
  run_shell("kill -INT " + pid);
  EXPECT_TRUE(
      eventually([&] { return run_shell("kill -0 " + pid + " 2>/dev/null").exit_code != 0; }, 10));
  EXPECT_EQ(count("hello-from-start"), 2) << output();
}

TEST_F(Day2Test, TopImagesWaitAndLs) {
  compose("services:\n  web:\n" + kSleep +
          "  job:\n    image: aic-test/busybox:latest\n    command: [sh, -c, 'sleep 2; exit 4']\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);

  AicResult top = aic({"top", "web"});
  ASSERT_EQ(top.exit_code, 0) << top.err;
  EXPECT_THAT(top.out, HasSubstr(name("web")));
  EXPECT_THAT(top.out, HasSubstr("sleep 3600"));
  EXPECT_THAT(top.out, HasSubstr("PID"));

  AicResult images = aic({"images", "--format", "json"});
  ASSERT_EQ(images.exit_code, 0) << images.err;
  nlohmann::json list = nlohmann::json::parse(images.out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["Repository"], "aic-test/busybox");
  EXPECT_EQ(list[0]["Tag"], "latest");
  EXPECT_EQ(list[0]["ID"], inspect("aic-test/busybox:latest", "{{.Id}}"));

  AicResult ls = aic({"ls", "--format", "json"});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  nlohmann::json projects = nlohmann::json::parse(ls.out);
  bool found = false;
  for (const auto& p : projects) {
    if (p["Name"] == project_) {
      found = true;
      EXPECT_THAT(p["Status"].get<std::string>(), HasSubstr("running"));
      EXPECT_THAT(p["ConfigFiles"].get<std::string>(), HasSubstr("compose.yaml"));
    }
  }
  EXPECT_TRUE(found) << ls.out;

  AicResult wait = aic({"wait", "job"});
  EXPECT_EQ(wait.exit_code, 4) << wait.err;
  EXPECT_THAT(wait.out, HasSubstr("exited with status code 4"));

  AicResult version = aic({"version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_THAT(version.out, HasSubstr("aicd version"));
  EXPECT_THAT(version.out, HasSubstr("Docker Engine"));
  ASSERT_EQ(aic({"down"}).exit_code, 0);
}

} // namespace
} // namespace aic::e2e
