// The dashboard side of aicd against the real engine: `aic events`, the Server-Sent Events
// stream with replay after Last-Event-ID, and GET /metrics.

#include "aicd_fixture.hpp"

#include <csignal>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace aic::e2e {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSleep = "    image: aic-test/busybox:latest\n    command: [sleep, '3600']\n"
                           "    stop_signal: SIGKILL\n";

/// One Server-Sent Events frame as read off the wire.
struct Frame {
  std::string id;
  std::string event;
  std::string data;
};

std::vector<Frame> parse_frames(const std::string& text) {
  std::vector<Frame> out;
  std::stringstream ss(text);
  std::string line;
  Frame current;
  bool any = false;
  while (std::getline(ss, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty()) {
      if (any) {
        out.push_back(current);
      }
      current = Frame{};
      any = false;
    } else if (line.rfind("id: ", 0) == 0) {
      current.id = line.substr(4);
      any = true;
    } else if (line.rfind("event: ", 0) == 0) {
      current.event = line.substr(7);
      any = true;
    } else if (line.rfind("data: ", 0) == 0) {
      current.data = line.substr(6);
      any = true;
    }
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EventsTest : public AicdProjectTest {
protected:
  /// GET `path` on aicd's socket; streams are read for `seconds` and then cut.
  std::string get(const std::string& path, const std::string& header = "", int seconds = 10) {
    std::string cmd = "curl -sN --max-time " + std::to_string(seconds) + " --unix-socket " +
                      shell_quote(aicd_->socket_path());
    if (!header.empty()) {
      cmd += " -H " + shell_quote(header);
    }
    return run_shell(cmd + " " + shell_quote("http://localhost" + path)).out;
  }

  /// A count read from aicd's /metrics once it has stopped changing (two looks 0.5 s apart
  /// agree; at most 10 s).
  long settled(long (*count)(const std::string& metrics)) {
    long before = count(get("/metrics"));
    for (int i = 0; i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      const long now = count(get("/metrics"));
      if (now == before) {
        break;
      }
      before = now;
    }
    return before;
  }

  /// Waits until aicd streams `n` responses (so a client's subscription is in place).
  bool wait_for_streams(int n) {
    const std::string line = "\naic_open_streams " + std::to_string(n) + "\n";
    for (int i = 0; i < 100; ++i) {
      if (get("/metrics").find(line) != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
};

TEST_F(EventsTest, AicEventsJsonSeesTheStopOfAStoppedContainer) {
  compose("services:\n  web:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  const std::string out = dir_ + "/events.out";
  const std::string pid_file = dir_ + "/events.pid";
  run_shell("(" + aic_command(*aicd_, dir_, {"events", "--json"}) + " >" + shell_quote(out) +
            " 2>" + shell_quote(dir_ + "/events.err") + " & echo $! >" + shell_quote(pid_file) +
            ")");
  ASSERT_TRUE(wait_for_streams(1)) << read_file(dir_ + "/events.err");

  AicResult stopped = aic({"stop"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  json stop;
  for (int i = 0; i < 100 && stop.is_null(); ++i) {
    std::stringstream lines(read_file(out));
    std::string line;
    while (std::getline(lines, line)) {
      json j = json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.value("action", "") == "stop") {
        stop = j;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(stop.is_null()) << "aic events printed:\n" << read_file(out);
  const std::string web = project_ + "-web-1";
  EXPECT_EQ(stop["type"], "container");
  EXPECT_EQ(stop["service"], "web");
  EXPECT_EQ(stop["id"], inspect(web, "{{.Id}}"));
  EXPECT_EQ(stop["attributes"]["name"], web);
  EXPECT_EQ(stop["attributes"]["image"], "aic-test/busybox:latest");
  EXPECT_FALSE(stop["attributes"].contains("com.docker.compose.project"));
  EXPECT_GT(rfc3339_ns(stop["time"].get<std::string>()), 0);
  // Only this project's container events: no operation events in the compose-style output.
  EXPECT_THAT(read_file(out), Not(HasSubstr("\"operation\"")));

  // Ctrl-C ends it.
  const std::string pid = trim(read_file(pid_file));
  ASSERT_FALSE(pid.empty());
  run_shell("kill -INT " + pid);
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    gone = run_shell("kill -0 " + pid + " 2>/dev/null").exit_code != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone);
}

TEST_F(EventsTest, ReconnectingWithLastEventIdGetsExactlyTheEventsAfterIt) {
  compose("services:\n  web:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  ASSERT_EQ(aic({"stop"}).exit_code, 0);
  ASSERT_EQ(aic({"start"}).exit_code, 0);

  const std::string path = "/v1/events?project=" + project_;
  const std::string all_text = get(path + "&since_id=0", "", 2);
  EXPECT_EQ(all_text.rfind("retry: ", 0), 0u) << all_text;
  const std::vector<Frame> all = parse_frames(all_text);
  std::vector<std::string> ids;
  std::vector<std::string> actions;
  for (const Frame& f : all) {
    if (f.id.empty()) {
      continue;
    }
    ids.push_back(f.id);
    json data = json::parse(f.data);
    EXPECT_EQ(data["project"], project_);
    EXPECT_EQ(data["id"].get<std::uint64_t>(), std::stoull(f.id));
    EXPECT_EQ(data["type"], f.event);
    actions.push_back(f.event + " " + data["action"].get<std::string>());
  }
  // The operations and what the engine did, in order.
  auto at = [&actions](const std::string& action) {
    return std::find(actions.begin(), actions.end(), action) - actions.begin();
  };
  ASSERT_LT(at("operation up finished"), static_cast<long>(actions.size()))
      << ::testing::PrintToString(actions);
  EXPECT_LT(at("operation up started"), at("container create"));
  EXPECT_LT(at("container create"), at("container start"));
  // The engine's events arrive on their own stream, so they may follow the operation's end.
  EXPECT_LT(at("operation stop started"), at("container die"));
  EXPECT_LT(at("container die"), static_cast<long>(actions.size()));
  EXPECT_LT(at("container stop"), static_cast<long>(actions.size()));
  EXPECT_LT(at("operation stop finished"), at("operation start started"));
  EXPECT_LT(at("operation start started"), at("operation start finished"));
  ASSERT_GE(ids.size(), 6u);

  // A reconnect from the middle gets exactly what followed, in order.
  const std::size_t middle = ids.size() / 2;
  const std::string again = get(path, "Last-Event-ID: " + ids[middle], 2);
  std::vector<std::string> replayed;
  for (const Frame& f : parse_frames(again)) {
    EXPECT_NE(f.event, "gap") << f.data;
    if (!f.id.empty()) {
      replayed.push_back(f.id);
    }
  }
  const std::vector<std::string> expected(ids.begin() + static_cast<long>(middle) + 1, ids.end());
  EXPECT_EQ(replayed, expected);
}

TEST_F(EventsTest, MetricsShowTheProjectsRunningContainerAndTheCallsThatMadeIt) {
  compose("services:\n  web:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  const std::string text = get("/metrics");
  EXPECT_THAT(text, HasSubstr("# TYPE aic_containers gauge\n"));
  EXPECT_THAT(text, HasSubstr("aic_containers{project=\"" + project_ +
                              "\",service=\"web\",state=\"running\",health=\"none\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("\naic_engine_up 1\n"));
  EXPECT_THAT(text, HasSubstr("aic_api_requests_total{method=\"PUT\",route=\"/v1/projects/"
                              "{name}\",code=\"200\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("aic_engine_call_duration_seconds_count{method=\"POST\","
                              "endpoint=\"/containers/{id}/start\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("aic_api_request_duration_seconds_bucket{method=\"PUT\",route=\"/v1/"
                              "projects/{name}\",le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE aic_events_published_total counter\n"));

  ASSERT_EQ(aic({"stop"}).exit_code, 0);
  const std::string after = get("/metrics");
  EXPECT_THAT(after, HasSubstr("aic_containers{project=\"" + project_ +
                               "\",service=\"web\",state=\"exited\",health=\"none\"} 1\n"));
  EXPECT_THAT(after,
              Not(HasSubstr("project=\"" + project_ + "\",service=\"web\",state=\"running\"")));
}

/// GET calls aicd made to the engine's `endpoint` so far, from its /metrics.
long engine_gets(const std::string& metrics, const std::string& endpoint) {
  const std::string key =
      "aic_engine_call_duration_seconds_count{method=\"GET\",endpoint=\"" + endpoint + "\"} ";
  const auto at = metrics.find(key);
  return at == std::string::npos ? 0 : std::stol(metrics.substr(at + key.size()));
}

/// How many container inspections aicd has sent the engine.
long inspections(const std::string& metrics) {
  return engine_gets(metrics, "/containers/{id}/json");
}

/// How many container lists aicd has asked the engine for.
long container_lists(const std::string& metrics) {
  return engine_gets(metrics, "/containers/json");
}

TEST_F(EventsTest, ClientsListingTheProjectsAtOnceShareTheEnginesLists) {
  compose("services:\n  web:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  const long before = settled(container_lists); // aicd's own lists after the up are over
  // 40 clients at once, each on its own connection.
  constexpr int kClients = 40;
  std::string cmd = "curl -s --parallel --parallel-immediate --parallel-max " +
                    std::to_string(kClients) + " --max-time 30 --unix-socket " +
                    shell_quote(aicd_->socket_path());
  for (int i = 0; i < kClients; ++i) {
    cmd += " http://localhost/v1/projects";
  }
  const std::string out = run_shell(cmd).out;
  const std::string mine = "\"name\":\"" + project_ + "\"";
  int answers = 0;
  for (auto at = out.find(mine); at != std::string::npos; at = out.find(mine, at + 1)) {
    ++answers;
  }
  EXPECT_EQ(answers, kClients) << "every client got the project";
  const long lists = container_lists(get("/metrics")) - before;
  EXPECT_GE(lists, 1);
  // One list each without the sharing (41 here, one of them aicd's own); 6 and 12 with it.
  EXPECT_LE(lists, kClients * 3 / 4) << "clients who came during a list shared the next one";
}

TEST_F(EventsTest, GpusInspectsOnlyTheContainersThatDoNotSayWhatGpusTheyHold) {
  (void)get("/v1/gpus"); // whatever the engine already runs is read now, once
  compose("services:\n  web:\n" + kSleep + "  api:\n" + kSleep);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  EXPECT_EQ(inspect(name("web"), "{{index .Config.Labels \"io.aic.gpu.none\"}}"), "true");
  const long before = settled(inspections); // aicd's own inspections after the up are over
  // A container of another tool says nothing: it is read from the engine, once.
  const std::string foreign = project_ + "-foreign";
  struct Remove {
    std::string name;
    ~Remove() { run_shell(docker_cli() + " rm -f " + name + " >/dev/null 2>&1"); }
  } remove{foreign};
  ASSERT_EQ(run_shell(docker_cli() + " run -d --name " + foreign + " " + std::string(kTestImage) +
                      " sleep 3600")
                .exit_code,
            0);
  const json first = json::parse(get("/v1/gpus"), nullptr, false);
  ASSERT_TRUE(first.is_object()) << "GET /v1/gpus did not answer JSON";
  (void)get("/v1/gpus");
  EXPECT_EQ(inspections(get("/metrics")) - before, 1)
      << "web and api are labelled io.aic.gpu.none; only " << foreign << " needs reading";
}

/// service -> its lines, from a project's logs (NDJSON), trailing CR (of a TTY) removed.
std::map<std::string, std::vector<std::string>> log_lines(const std::string& ndjson) {
  std::map<std::string, std::vector<std::string>> out;
  std::stringstream ss(ndjson);
  std::string line;
  while (std::getline(ss, line)) {
    const json j = json::parse(line, nullptr, false);
    if (!j.is_object()) {
      continue;
    }
    std::string text = j.value("line", "");
    if (!text.empty() && text.back() == '\r') {
      text.pop_back();
    }
    out[j.value("service", "")].push_back(text);
  }
  return out;
}

TEST_F(EventsTest, LogsAskTheEngineOncePerContainerWhetherItHasATty) {
  const std::string t = "    image: aic-test/busybox:latest\n    tty: true\n"
                        "    command: [sh, -c, 'echo from-t; exec sleep 3600']\n"
                        "    stop_signal: SIGKILL\n";
  const std::string p = "    image: aic-test/busybox:latest\n"
                        "    command: [sh, -c, 'echo from-p; exec sleep 3600']\n"
                        "    stop_signal: SIGKILL\n";
  compose("services:\n  t:\n" + t + "  p:\n" + p);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  const std::string logs = "/v1/projects/" + project_ + "/logs?tail=5";
  std::map<std::string, std::vector<std::string>> lines;
  for (int i = 0; i < 40 && (lines["t"].empty() || lines["p"].empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    lines = log_lines(get(logs));
  }
  // Each stream read as what it is: raw with a TTY, multiplexed without.
  EXPECT_EQ(lines["t"], std::vector<std::string>{"from-t"});
  EXPECT_EQ(lines["p"], std::vector<std::string>{"from-p"});
  const long before = inspections(get("/metrics"));
  lines = log_lines(get(logs));
  EXPECT_EQ(lines["p"], std::vector<std::string>{"from-p"});
  EXPECT_EQ(inspections(get("/metrics")), before) << "the second read asked nothing again";

  // Recreated with a TTY under the same name: a new container, asked afresh.
  compose("services:\n  t:\n" + t + "  p:\n" + p + "    tty: true\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  for (int i = 0; i < 40; ++i) {
    lines = log_lines(get(logs));
    if (!lines["p"].empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_EQ(lines["p"], std::vector<std::string>{"from-p"});
  EXPECT_EQ(lines["t"], std::vector<std::string>{"from-t"});
}

long log_reads(const std::string& metrics, const std::string& read) {
  const std::string key = "aic_log_reads_total{read=\"" + read + "\"} ";
  const auto at = metrics.find(key);
  return at == std::string::npos ? 0 : std::stol(metrics.substr(at + key.size()));
}

TEST_F(EventsTest, IdenticalLogsReadsAtOnceShareOneReadOfTheEngine) {
  const std::string svc = "    image: aic-test/busybox:latest\n"
                          "    command: [sh, -c, 'echo one; echo two; exec sleep 3600']\n"
                          "    stop_signal: SIGKILL\n";
  compose("services:\n  a:\n" + svc + "  b:\n" + svc);
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  const std::string logs = "/v1/projects/" + project_ + "/logs?tail=5";
  const std::vector<std::string> both{"one", "two"};
  std::map<std::string, std::vector<std::string>> lone;
  for (int i = 0; i < 40 && (lone["a"] != both || lone["b"] != both); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    lone = log_lines(get(logs));
  }
  ASSERT_EQ(lone["a"], both);
  ASSERT_EQ(lone["b"], both);
  const std::string before = get("/metrics");
  // 20 clients at once, each on its own connection, each answer in its own file (n is ignored).
  constexpr int kClients = 20;
  run_shell("curl -s --parallel --parallel-immediate --parallel-max " + std::to_string(kClients) +
            " --max-time 30 --unix-socket " + shell_quote(aicd_->socket_path()) + " -o " +
            shell_quote(dir_ + "/logs_#1") + " " +
            shell_quote("http://localhost" + logs + "&n=[1-" + std::to_string(kClients) + "]"));
  for (int i = 1; i <= kClients; ++i) {
    EXPECT_EQ(log_lines(read_file(dir_ + "/logs_" + std::to_string(i))), lone) << "client " << i;
  }
  const std::string after = get("/metrics");
  const long made = log_reads(after, "made") - log_reads(before, "made");
  const long joined = log_reads(after, "joined") - log_reads(before, "joined");
  EXPECT_EQ(made + joined, kClients);
  EXPECT_GE(joined, kClients / 2) << "clients who came during a read shared the next one";
}

TEST_F(EventsTest, ALogsReadTooBigToShareIsStreamedWhole) {
  // 1,000 lines of 1,500 bytes: past what a shared read holds (1 MiB).
  compose("services:\n  big:\n    image: aic-test/busybox:latest\n"
          "    command: [sh, -c, 'yes $$(head -c 1500 /dev/zero | tr \"\\\\0\" x) | head -n 1000; "
          "exec sleep 3600']\n    stop_signal: SIGKILL\n");
  ASSERT_EQ(aic({"up", "-d"}).exit_code, 0);
  std::map<std::string, std::vector<std::string>> lines;
  for (int i = 0; i < 40 && lines["big"].size() < 1000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    lines = log_lines(get("/v1/projects/" + project_ + "/logs?tail=1000"));
  }
  ASSERT_EQ(lines["big"].size(), 1000u);
  EXPECT_EQ(lines["big"].front(), std::string(1500, 'x'));
  EXPECT_EQ(lines["big"].back(), std::string(1500, 'x'));
}

} // namespace
} // namespace aic::e2e
