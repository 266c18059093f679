// The engine event source: engine events → project events, and a new stream after one gives up.

#include "../engine/fake_engine.hpp"
#include "events/engine_event_source.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <mutex>
#include <vector>

namespace aic::events {
namespace {

namespace asio = boost::asio;
using engine::testing::FakeEngine;
using engine::testing::ServerConnection;
using namespace std::chrono_literals;

engine::EngineEvent compose_event(std::string action) {
  engine::EngineEvent e;
  e.type = "container";
  e.action = std::move(action);
  e.actor_id = "0123456789abcdef";
  e.time_ns = 1'700'000'000'123'456'789;
  e.attributes = {{"com.docker.compose.project", "demo"},
                  {"com.docker.compose.service", "web"},
                  {"com.docker.compose.oneoff", "False"},
                  {"com.docker.compose.config-hash", "abc"},
                  {"image", "busybox"},
                  {"name", "demo-web-1"},
                  {"exitCode", "137"}};
  return e;
}

TEST(ProjectEventFromEngine, KeepsTheEngineActionAndDropsComposeLabels) {
  std::optional<proto::ProjectEvent> event = project_event_from_engine(compose_event("die"));
  ASSERT_TRUE(event);
  EXPECT_EQ(event->project, "demo");
  EXPECT_EQ(event->type, "container");
  EXPECT_EQ(event->action, "die");
  EXPECT_EQ(event->service, "web");
  EXPECT_EQ(event->container, "demo-web-1");
  EXPECT_EQ(event->container_id, "0123456789abcdef");
  EXPECT_EQ(event->time_ns, 1'700'000'000'123'456'789);
  EXPECT_EQ(event->attributes,
            (std::map<std::string, std::string>{
                {"exitCode", "137"}, {"image", "busybox"}, {"name", "demo-web-1"}}));
  EXPECT_EQ(project_event_from_engine(compose_event("health_status: healthy"))->action,
            "health_status: healthy");
}

TEST(ProjectEventFromEngine, IgnoresOtherTypesContainersWithoutAProjectAndOneOffs) {
  engine::EngineEvent network = compose_event("create");
  network.type = "network";
  EXPECT_FALSE(project_event_from_engine(network));
  engine::EngineEvent plain = compose_event("start");
  plain.attributes.erase("com.docker.compose.project");
  EXPECT_FALSE(project_event_from_engine(plain));
  engine::EngineEvent run = compose_event("start");
  run.attributes["com.docker.compose.oneoff"] = "True";
  EXPECT_FALSE(project_event_from_engine(run));
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

constexpr std::string_view kEvents =
    R"({"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{)"
    R"("com.docker.compose.project":"demo","com.docker.compose.service":"web","name":"demo-web-1"}},)"
    R"("time":1700000001,"timeNano":1700000001000000000})"
    "\n"
    R"({"Type":"container","Action":"start","Actor":{"ID":"c2","Attributes":{"name":"other"}},)"
    R"("time":1700000002,"timeNano":1700000002000000000})"
    "\n";

TEST(EngineEventSource, OpensANewStreamAfterOneGaveUpAndPublishesProjectEvents) {
  std::atomic<int> connection{0};
  std::mutex mutex;
  std::vector<std::string> requests;
  FakeEngine fake([&](ServerConnection& c) -> asio::awaitable<void> {
    auto request = co_await c.read_request();
    if (request) {
      std::lock_guard lock(mutex);
      requests.push_back(*request);
    }
    if (!request || connection++ == 0) {
      c.close(); // the first stream fails at once and, without reconnects, gives up
      co_return;
    }
    const std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    co_await c.write(head);
    const std::string body = chunk(std::string(kEvents));
    co_await c.write(body);
    co_await c.stall();
  });
  asio::io_context io;
  engine::ClientOptions options;
  options.address = fake.address();
  options.api_version = engine::ApiVersion{1, 47};
  options.max_event_reconnects = 0;
  engine::DockerClient docker(io.get_executor(), options);
  EventHub hub(io.get_executor());
  EngineEventSourceOptions source_options;
  source_options.min_restart_delay = 10ms;
  source_options.max_restart_delay = 20ms;
  std::vector<std::string> logged;
  source_options.log = [&logged](std::string_view level, std::string_view message) {
    logged.push_back(std::string(level) + ": " + std::string(message));
  };
  EngineEventSource source(io.get_executor(), docker, hub, source_options);
  source.start();
  for (int i = 0; i < 500 && hub.last_id() == 0; ++i) {
    io.run_for(10ms);
  }
  ASSERT_EQ(hub.last_id(), 1u); // the container without a project label is not published
  const proto::ProjectEvent event = hub.read_after(0, {}, 10).events.at(0);
  EXPECT_EQ(event.project, "demo");
  EXPECT_EQ(event.action, "start");
  EXPECT_EQ(event.container_id, "c1");
  EXPECT_EQ(source.streams_opened(), 2);
  ASSERT_FALSE(logged.empty());
  EXPECT_NE(logged.front().find("reopening"), std::string::npos) << logged.front();
  // The requests asked for container events of Compose projects.
  std::unique_lock lock(mutex);
  ASSERT_EQ(requests.size(), 2u);
  const std::string first = requests.front();
  lock.unlock();
  EXPECT_NE(first.find("/v1.47/events?"), std::string::npos) << first;
  EXPECT_NE(first.find("com.docker.compose.project"), std::string::npos) << first;

  source.stop();
  for (int i = 0; i < 200 && source.running(); ++i) {
    io.run_for(10ms);
  }
  EXPECT_FALSE(source.running());
}

} // namespace
} // namespace aic::events
