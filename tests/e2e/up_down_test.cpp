// `aic up` and `aic down` through a real aicd against the real engine: ordering, condition
// waits, scaling, recreate, crash recovery, concurrency and the seed's stack.

#include "aicd_fixture.hpp"

#include <algorithm>
#include <csignal>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <sstream>
#include <thread>

namespace aic::e2e {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class UpDownTest : public AicdProjectTest {
protected:
  long long started_ns(const std::string& container) {
    return rfc3339_ns(inspect(container, "{{.State.StartedAt}}"));
  }
};

const std::string kSleep = "    image: aic-test/busybox:latest\n    command: [sleep, '3600']\n"
                           "    stop_signal: SIGKILL\n";

TEST_F(UpDownTest, UpStartsAThreeLevelGraphInDependencyOrder) {
  compose("services:\n"
          "  db:\n" +
          kSleep + "  cache:\n" + kSleep + "  api:\n" + kSleep +
          "    depends_on: [db, cache]\n"
          "  web:\n" +
          kSleep + "    depends_on: [api]\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(project_containers(project_),
              ElementsAre(name("api"), name("cache"), name("db"), name("web")));
  long long db = started_ns(name("db"));
  long long cache = started_ns(name("cache"));
  long long api = started_ns(name("api"));
  long long web = started_ns(name("web"));
  ASSERT_GT(db, 0);
  EXPECT_LT(db, api);
  EXPECT_LT(cache, api);
  EXPECT_LT(api, web);
  // Named and labelled as Compose does.
  EXPECT_EQ(inspect(name("api"), "{{index .Config.Labels \"com.docker.compose.service\"}}"), "api");
  EXPECT_EQ(
      inspect(name("api"), "{{index .Config.Labels \"com.docker.compose.container-number\"}}"),
      "1");
  EXPECT_EQ(inspect(name("api"), "{{index .Config.Labels \"com.docker.compose.oneoff\"}}"),
            "False");
  EXPECT_EQ(inspect(name("api"), "{{index .Config.Labels \"com.docker.compose.depends_on\"}}"),
            "cache:service_started:false,db:service_started:false");
  EXPECT_EQ(
      inspect(name("api"), "{{len (index .Config.Labels \"com.docker.compose.config-hash\")}}"),
      "64");
  EXPECT_EQ(inspect(project_ + "_default", "{{index .Labels \"com.docker.compose.network\"}}"),
            "default");

  AicResult down = aic({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(project_containers(project_).empty());
  EXPECT_EQ(inspect(project_ + "_default", "{{.Name}}"), "");
}

TEST_F(UpDownTest, ContainersNamingAnotherAreCreatedAfterItTheOthersAtOnce) {
  // Containers are created all at once, except those whose create names another container.
  compose("services:\n"
          "  net:\n" +
          kSleep + "  app:\n" + kSleep +
          "    network_mode: service:net\n"
          "  data:\n" +
          kSleep +
          "    volumes: ['vol:/data']\n"
          "  reader:\n" +
          kSleep +
          "    volumes_from: [data]\n"
          "volumes:\n  vol: {}\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_EQ(inspect(name("app"), "{{.HostConfig.NetworkMode}}"),
            "container:" + inspect(name("net"), "{{.Id}}"));
  EXPECT_EQ(inspect(name("reader"), "{{range .Mounts}}{{.Destination}} {{end}}"), "/data");
  EXPECT_EQ(inspect(name("app"), "{{.State.Running}}"), "true");
  AicResult down = aic({"down", "-v"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
}

TEST_F(UpDownTest, DownStopsDependentsBeforeTheirDependencies) {
  // Removals overlap the next wave of stops, but no dependency stops before its dependents.
  compose("services:\n"
          "  a:\n" +
          kSleep + "  b:\n" + kSleep + "    depends_on: [a]\n  c:\n" + kSleep +
          "    depends_on: [b]\n  d:\n" + kSleep + "    depends_on: [b]\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  AicResult down = aic({"down"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  std::map<std::string, long long> died; // service -> event id
  for (const auto& e : project_events(*aicd_, project_, "container")) {
    if (e.value("action", "") == "die") {
      died[e.value("service", "")] = e.value("id", 0LL);
    }
  }
  ASSERT_EQ(died.size(), 4u);
  EXPECT_LT(died["c"], died["b"]);
  EXPECT_LT(died["d"], died["b"]);
  EXPECT_LT(died["b"], died["a"]);
  EXPECT_TRUE(project_containers(project_).empty());
}

TEST_F(UpDownTest, ProjectStatusSeesAChangeMadeBehindAicdsBack) {
  // GET /v1/projects/{p} is answered from a cache until the engine reports a change.
  compose("services:\n  web:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  auto state = [this] {
    nlohmann::json status = get_json(*aicd_, "/v1/projects/" + project_);
    return status.is_object() && !status["containers"].empty()
               ? status["containers"][0].value("state", "")
               : std::string("?");
  };
  EXPECT_EQ(state(), "running");
  EXPECT_EQ(state(), "running");
  // labels=false (what `aic ps` asks for a table) leaves the labels out and nothing else.
  nlohmann::json full = get_json(*aicd_, "/v1/projects/" + project_);
  nlohmann::json lean = get_json(*aicd_, "/v1/projects/" + project_ + "?labels=false");
  ASSERT_TRUE(full.is_object() && lean.is_object());
  EXPECT_EQ(full["containers"][0]["labels"].value("com.docker.compose.service", ""), "web");
  EXPECT_EQ(lean["containers"][0]["labels"], nlohmann::json::object());
  lean["containers"][0]["labels"] = full["containers"][0]["labels"];
  for (nlohmann::json* status : {&full, &lean}) {
    (*status)["containers"][0].erase("status"); // "Up 1 second" may have become "Up 2 seconds"
  }
  EXPECT_EQ(lean["containers"], full["containers"]);
  ASSERT_EQ(run_shell("docker stop -t 0 " + shell_quote(name("web")) + " >/dev/null").exit_code, 0);
  std::string seen;
  for (int i = 0; i < 80 && seen != "exited"; ++i) { // after the engine's die event
    seen = state();
    if (seen != "exited") {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  EXPECT_EQ(seen, "exited");
  ASSERT_EQ(aic({"start"}).exit_code, 0);
  EXPECT_EQ(state(), "running"); // aicd's own change: seen by the next request
  ASSERT_EQ(aic({"down"}).exit_code, 0);
}

TEST_F(UpDownTest, ServiceHealthyWaitsForTheEngineToReportHealthy) {
  compose("services:\n"
          "  db:\n"
          "    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'sleep 2; touch /tmp/ready; exec sleep 3600']\n"
          "    stop_signal: SIGKILL\n"
          "    healthcheck: {test: [CMD, test, -f, /tmp/ready], interval: 1s, retries: 30}\n"
          "  api:\n" +
          kSleep + "    depends_on: {db: {condition: service_healthy}}\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  // The first passing probe ended before api started.
  std::string log =
      inspect(name("db"), "{{range .State.Health.Log}}{{.ExitCode}} "
                          "{{.End.Format \"2006-01-02T15:04:05.999999999Z07:00\"}}\n{{end}}");
  long long healthy_at = 0;
  std::stringstream ss(log);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind("0 ", 0) == 0) {
      healthy_at = rfc3339_ns(line.substr(2));
      break;
    }
  }
  ASSERT_GT(healthy_at, 0) << log;
  EXPECT_GT(started_ns(name("api")), healthy_at);
  EXPECT_GT(started_ns(name("api")) - started_ns(name("db")), 1'500'000'000LL);
}

TEST_F(UpDownTest, DependencyThatTurnsUnhealthyFailsTheUpNamingIt) {
  compose("services:\n"
          "  db:\n" +
          kSleep +
          "    healthcheck: {test: [CMD-SHELL, 'echo no database here; exit 1'], interval: 1s, "
          "retries: 1}\n"
          "  api:\n" +
          kSleep + "    depends_on: {db: {condition: service_healthy}}\n");
  AicResult up = aic({"up", "-d"});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_THAT(up.err, HasSubstr("dependency db is unhealthy"));
  EXPECT_THAT(up.err, HasSubstr("no database here"));
  EXPECT_EQ(inspect(name("api"), "{{.State.Status}}"), "created");
}

TEST_F(UpDownTest, CompletedSuccessfullyWaitsForExitZeroAndReportsOtherCodes) {
  compose("services:\n"
          "  migrate:\n"
          "    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'sleep 1; exit 3']\n"
          "  api:\n" +
          kSleep + "    depends_on: {migrate: {condition: service_completed_successfully}}\n");
  AicResult up = aic({"up", "-d"});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_THAT(up.err, HasSubstr("didn't complete successfully: exited with code 3"));
  EXPECT_EQ(inspect(name("api"), "{{.State.Status}}"), "created");
}

TEST_F(UpDownTest, ScaleAddsAndRemovesReplicasByNumber) {
  compose("services:\n  web:\n" + kSleep);
  AicResult up = aic({"up", "-d", "--scale", "web=3"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(project_containers(project_),
              ElementsAre(name("web", 1), name("web", 2), name("web", 3)));
  std::string first = inspect(name("web", 1), "{{.Id}}");
  up = aic({"up", "-d", "--scale", "web=1"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(project_containers(project_), ElementsAre(name("web", 1)));
  EXPECT_EQ(inspect(name("web", 1), "{{.Id}}"), first);
}

TEST_F(UpDownTest, EditRecreatesOnlyTheChangedService) {
  compose("services:\n  a:\n" + kSleep + "  b:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  std::string a = inspect(name("a"), "{{.Id}}");
  std::string b = inspect(name("b"), "{{.Id}}");
  AicResult again = aic({"up", "-d"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(inspect(name("a"), "{{.Id}}"), a);
  EXPECT_EQ(inspect(name("b"), "{{.Id}}"), b);

  compose("services:\n  a:\n" + kSleep + "  b:\n" + kSleep + "    environment: {EDITED: '1'}\n");
  AicResult edited = aic({"up", "-d"});
  ASSERT_EQ(edited.exit_code, 0) << edited.err;
  EXPECT_EQ(inspect(name("a"), "{{.Id}}"), a);
  std::string b2 = inspect(name("b"), "{{.Id}}");
  EXPECT_NE(b2, b);
  EXPECT_FALSE(b2.empty());
  EXPECT_EQ(inspect(name("b"), "{{.State.Status}}"), "running");
  EXPECT_THAT(project_containers(project_), ElementsAre(name("a"), name("b")));
}

TEST_F(UpDownTest, ASecondUpOfTheSameProjectIsRefusedWhileTheFirstRuns) {
  compose("services:\n"
          "  db:\n"
          "    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'sleep 2; touch /tmp/ready; exec sleep 3600']\n"
          "    stop_signal: SIGKILL\n"
          "    healthcheck: {test: [CMD, test, -f, /tmp/ready], interval: 1s, retries: 30}\n"
          "  api:\n" +
          kSleep + "    depends_on: {db: {condition: service_healthy}}\n");
  std::string first = aic_command(*aicd_, dir_, {"up", "-d", "--progress=plain"}) +
                      " >/dev/null 2>" + shell_quote(dir_ + "/first.err") + "; echo $? > " +
                      shell_quote(dir_ + "/first.rc");
  run_shell("(" + first + ") >/dev/null 2>&1 &");
  for (int i = 0; i < 200 && project_containers(project_).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  AicResult second = aic({"up", "-d"});
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("busy"));
  for (int i = 0;
       i < 300 &&
       trim(run_shell("cat " + shell_quote(dir_ + "/first.rc") + " 2>/dev/null").out).empty();
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(trim(run_shell("cat " + shell_quote(dir_ + "/first.rc")).out), "0");
  EXPECT_THAT(project_containers(project_), ElementsAre(name("api"), name("db")));
}

TEST_F(UpDownTest, OrphansAreReportedThenRemovedWithRemoveOrphans) {
  compose("services:\n  a:\n" + kSleep + "  b:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  compose("services:\n  a:\n" + kSleep);
  AicResult warned = aic({"up", "-d"});
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_THAT(warned.err, HasSubstr("Found orphan containers ([" + name("b") + "])"));
  EXPECT_THAT(project_containers(project_), ElementsAre(name("a"), name("b")));
  AicResult removed = aic({"up", "-d", "--remove-orphans"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_THAT(project_containers(project_), ElementsAre(name("a")));
}

TEST_F(UpDownTest, BuildsAMissingImageFromTheBuildSection) {
  run_shell("mkdir -p " + shell_quote(dir_ + "/app"));
  write_file(dir_ + "/app/Dockerfile", "FROM aic-test/busybox:latest\n"
                                       "RUN echo built-by-aic > /built\n"
                                       "CMD [\"sleep\", \"3600\"]\n");
  compose("services:\n"
          "  web:\n"
          "    build: ./app\n"
          "    stop_signal: SIGKILL\n");
  AicResult up = aic({"up", "-d"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  EXPECT_THAT(up.err, HasSubstr("Built"));
  EXPECT_EQ(inspect(name("web"), "{{.Config.Image}}"), project_ + "-web");
  ShellResult built = run_shell(docker_cli() + " exec " + name("web") + " cat /built");
  EXPECT_EQ(trim(built.out), "built-by-aic");
  // A rebuild that changes the image recreates the container, as Compose does.
  std::string first = inspect(name("web"), "{{.Id}}");
  AicResult same = aic({"up", "-d"});
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_EQ(inspect(name("web"), "{{.Id}}"), first);
  write_file(dir_ + "/app/Dockerfile", "FROM aic-test/busybox:latest\n"
                                       "RUN echo rebuilt-by-aic > /built\n"
                                       "CMD [\"sleep\", \"3600\"]\n");
  AicResult rebuilt = aic({"up", "-d", "--build"});
  ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
  EXPECT_NE(inspect(name("web"), "{{.Id}}"), first);
  built = run_shell(docker_cli() + " exec " + name("web") + " cat /built");
  EXPECT_EQ(trim(built.out), "rebuilt-by-aic");
  AicResult down = aic({"down", "--rmi", "local"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_EQ(inspect(project_ + "-web", "{{.Id}}"), "");
}

TEST_F(UpDownTest, PsAndLogsShowTheProjectThroughAicd) {
  compose("services:\n"
          "  web:\n"
          "    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'echo hello from web; exec sleep 3600']\n"
          "    stop_signal: SIGKILL\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  AicResult ps = aic({"ps"});
  ASSERT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_THAT(ps.out, HasSubstr("NAME"));
  EXPECT_THAT(ps.out, HasSubstr(name("web")));
  AicResult quiet = aic({"ps", "-q"});
  EXPECT_EQ(trim(quiet.out), inspect(name("web"), "{{.Id}}"));
  AicResult logs;
  for (int i = 0; i < 50; ++i) { // the echo may not have run yet
    logs = aic({"logs", "--no-color"});
    if (logs.out.find("hello") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_THAT(logs.out, HasSubstr("web-1  | hello from web"));
}

TEST_F(UpDownTest, DownWithVolumesRemovesEverythingAndForgetsTheProject) {
  compose("services:\n  web:\n" + kSleep + "    volumes: [data:/data]\nvolumes:\n  data: {}\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(inspect(project_ + "_data", "{{index .Labels \"com.docker.compose.volume\"}}"), "data");
  EXPECT_EQ(
      run_shell("test -f " + shell_quote(aicd_->state_dir() + "/projects/" + project_ + ".json"))
          .exit_code,
      0);
  AicResult down = aic({"down", "-v"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(project_containers(project_).empty());
  EXPECT_EQ(inspect(project_ + "_data", "{{.Name}}"), "");
  EXPECT_NE(
      run_shell("test -f " + shell_quote(aicd_->state_dir() + "/projects/" + project_ + ".json"))
          .exit_code,
      0);
}

TEST_F(UpDownTest, UnsupportedKeysAreRefusedBeforeAnythingIsCreated) {
  compose("services:\n  web:\n" + kSleep + "    develop: {watch: [{path: ., action: rebuild}]}\n");
  AicResult up = aic({"up", "-d"});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_THAT(up.err, HasSubstr("services.web.develop"));
  EXPECT_TRUE(project_containers(project_).empty());
  EXPECT_EQ(inspect(project_ + "_default", "{{.Name}}"), "");
}

TEST_F(UpDownTest, TheSeedStackComesUpAndDownWithItsImagesOverridden) {
  run_shell("cp " +
            shell_quote(std::string(AIC_SOURCE_DIR) + "/tests/fixtures/seed/docker-compose.yml") +
            " " + shell_quote(dir_));
  std::string override = "services:\n";
  for (std::string s : {"api", "postgres", "redis", "nginx", "prometheus", "grafana"}) {
    override += "  " + s + ":\n" + kSleep + "    container_name: " + project_ + "-" + s +
                "\n    ports: !reset []\n"
                "    healthcheck: {test: [CMD, 'true'], interval: 1s}\n";
  }
  write_file(dir_ + "/override.yml", override);
  AicResult up =
      aic({"-p", project_, "-f", "docker-compose.yml", "-f", "override.yml", "up", "-d", "--wait"});
  ASSERT_EQ(up.exit_code, 0) << up.err;
  std::vector<std::string> names = project_containers(project_);
  EXPECT_EQ(names.size(), 6u);
  for (const auto& n : names) {
    EXPECT_EQ(inspect(n, "{{.State.Health.Status}}"), "healthy") << n;
  }
  EXPECT_EQ(inspect(project_ + "_ai-network", "{{.Driver}}"), "bridge");
  EXPECT_EQ(inspect(project_ + "_postgres-data", "{{.Name}}"), project_ + "_postgres-data");
  AicResult down =
      aic({"-p", project_, "-f", "docker-compose.yml", "-f", "override.yml", "down", "-v"});
  ASSERT_EQ(down.exit_code, 0) << down.err;
  EXPECT_TRUE(project_containers(project_).empty());
  EXPECT_EQ(inspect(project_ + "_postgres-data", "{{.Name}}"), "");
}

} // namespace
} // namespace aic::e2e
