// GET /v1/events through a real server: Server-Sent Events frames, replay after Last-Event-ID,
// gaps, filters, and the request metrics hook.

#include "api/events_routes.hpp"
#include "api_test_support.hpp"
#include "events/event_hub.hpp"

#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::api {
namespace {

using namespace testing;
using nlohmann::json;

proto::ProjectEvent event_of(std::string project, std::string action) {
  proto::ProjectEvent e;
  e.project = std::move(project);
  e.type = "container";
  e.service = "web";
  e.container = e.project + "-web-1";
  e.container_id = "c0ffee";
  e.action = std::move(action);
  e.attributes = {{"image", "busybox"}};
  return e;
}

class EventsRouteTest : public ::testing::Test {
protected:
  void start(std::size_t capacity = 16) {
    Router router;
    add_events_routes(router, ctx);
    ServerOptions options;
    options.unix_socket_path = dir.file("aicd.sock");
    options.on_request = [this](const RequestRecord& r) {
      std::lock_guard lock(mutex);
      records.push_back(std::string(r.method) + " " + std::string(r.route) + " " +
                        std::to_string(r.status));
    };
    harness = std::make_unique<ServerHarness>(options, std::move(router));
    hub = std::make_unique<events::EventHub>(
        harness->executor(), capacity, [] { return std::int64_t{1'714'557'600'123'456'789}; });
    ctx.events = hub.get();
    ASSERT_TRUE(harness->start());
  }
  void TearDown() override { harness.reset(); }

  void publish(proto::ProjectEvent e) {
    harness->on_io([this, &e] { return hub->publish(e); });
  }

  /// Sends the request and reads the stream until `until` appears; everything read.
  static std::string read_until(Client& client, const std::string& until) {
    std::string text;
    while (text.find(until) == std::string::npos) {
      std::optional<std::string> chunk = client.read_chunk();
      if (!chunk) {
        break;
      }
      text += *chunk;
    }
    return text;
  }

  TempDir dir;
  boost::asio::io_context unused_io;
  boost::asio::thread_pool pool{1};
  engine::ClientOptions client_options;
  engine::DockerClient docker{unused_io.get_executor(), client_options};
  supervisor::ProjectOperations operations{unused_io.get_executor(), docker};
  store::ProjectStore store{"/nonexistent"};
  DaemonContext ctx{.executor = unused_io.get_executor(),
                    .docker = docker,
                    .operations = operations,
                    .store = store,
                    .blocking = pool,
                    .log = [](std::string_view, std::string_view) {}};
  std::unique_ptr<events::EventHub> hub;
  std::unique_ptr<ServerHarness> harness;
  std::mutex mutex;
  std::vector<std::string> records;
};

TEST_F(EventsRouteTest, ReplaysTheProjectsEventsAfterLastEventIdThenSendsLiveOnes) {
  start();
  publish(event_of("a", "create")); // 1
  publish(event_of("b", "create")); // 2
  publish(event_of("a", "start"));  // 3
  publish(event_of("a", "die"));    // 4
  Client client = Client::unix_socket(dir.file("aicd.sock"));
  // A browser reconnecting: Last-Event-ID wins over the since_id in the URL it reuses.
  client.send(Client::format("GET", "/v1/events?project=a&since_id=3", "", "Last-Event-ID: 1\r\n"));
  const std::string head = client.read_head();
  EXPECT_NE(head.find("HTTP/1.1 200"), std::string::npos) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  std::string text = read_until(client, "id: 4\n");
  EXPECT_EQ(text.rfind("retry: 2000\n\n", 0), 0u) << text;
  EXPECT_EQ(text.find("id: 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("id: 2\n"), std::string::npos) << text;
  const std::size_t third = text.find("id: 3\nevent: container\ndata: ");
  ASSERT_NE(third, std::string::npos) << text;
  const std::size_t data_at = text.find("data: ", third) + 6;
  const json data = json::parse(text.substr(data_at, text.find('\n', data_at) - data_at));
  EXPECT_EQ(data["id"], 3);
  EXPECT_EQ(data["project"], "a");
  EXPECT_EQ(data["type"], "container");
  EXPECT_EQ(data["action"], "start");
  EXPECT_EQ(data["service"], "web");
  EXPECT_EQ(data["container"], "a-web-1");
  EXPECT_EQ(data["container_id"], "c0ffee");
  EXPECT_EQ(data["time"], "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(data["attributes"], json({{"image", "busybox"}}));

  publish(event_of("b", "stop")); // 5: another project's
  publish(event_of("a", "stop")); // 6
  text = read_until(client, "id: 6\n");
  EXPECT_EQ(text.find("id: 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"action\":\"stop\""), std::string::npos) << text;
}

TEST_F(EventsRouteTest, AReaderBehindTheRingFirstGetsAGapSayingHowManyWereLost) {
  start(4);
  for (int i = 0; i < 10; ++i) {
    publish(event_of("a", "start"));
  }
  Client client = Client::unix_socket(dir.file("aicd.sock"));
  client.send(Client::format("GET", "/v1/projects/a/events?since_id=2"));
  client.read_head();
  const std::string text = read_until(client, "id: 10\n");
  const std::size_t gap = text.find("event: gap\ndata: ");
  ASSERT_NE(gap, std::string::npos) << text;
  const std::size_t data_at = gap + 17;
  const json data = json::parse(text.substr(data_at, text.find('\n', data_at) - data_at));
  EXPECT_EQ(data["reason"], "overflow");
  EXPECT_EQ(data["lost"], 4);
  EXPECT_EQ(data["after_id"], 2);
  EXPECT_EQ(data["first_id"], 7);
  EXPECT_LT(gap, text.find("id: 7\n"));
  EXPECT_EQ(text.find("id: 6\n"), std::string::npos) << text;
}

TEST_F(EventsRouteTest, AnIdFromBeforeARestartGetsAnUnknownGapAndEverythingBuffered) {
  start();
  publish(event_of("a", "start"));
  Client client = Client::unix_socket(dir.file("aicd.sock"));
  client.send(Client::format("GET", "/v1/events", "", "Last-Event-ID: 900\r\n"));
  client.read_head();
  const std::string text = read_until(client, "id: 1\n");
  EXPECT_NE(text.find("event: gap\ndata: {\"after_id\":900,\"first_id\":1,\"lost\":null,"
                      "\"reason\":\"unknown_id\"}\n\n"),
            std::string::npos)
      << text;
}

TEST_F(EventsRouteTest, WithoutAnIdOnlyEventsPublishedAfterwardsAreSent) {
  start();
  publish(event_of("a", "create"));
  Client client = Client::unix_socket(dir.file("aicd.sock"));
  client.send(Client::format("GET", "/v1/events?types=container,operation"));
  client.read_head();
  EXPECT_EQ(read_until(client, "retry: 2000\n\n"), "retry: 2000\n\n");
  publish(event_of("a", "start"));
  const std::string text = read_until(client, "id: 2\n");
  EXPECT_EQ(text.find("id: 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"action\":\"start\""), std::string::npos) << text;
}

TEST_F(EventsRouteTest, MalformedIdsTypesAndNamesAreRefused) {
  start();
  Client client = Client::unix_socket(dir.file("aicd.sock"));
  Response bad_id = client.request("GET", "/v1/events", "", "Last-Event-ID: twelve\r\n");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_NE(bad_id.body.find("Last-Event-ID"), std::string::npos) << bad_id.body;
  Response bad_since = client.request("GET", "/v1/events?since_id=-1");
  EXPECT_EQ(bad_since.status, 400);
  Response bad_type = client.request("GET", "/v1/events?types=volume");
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_NE(bad_type.body.find("unknown event type"), std::string::npos) << bad_type.body;
  Response bad_name = client.request("GET", "/v1/projects/Bad%20Name/events");
  EXPECT_EQ(bad_name.status, 400);
  // Each was reported to the metrics hook under its route pattern (right after its answer).
  auto recorded = [this] {
    std::lock_guard lock(mutex);
    return records.size();
  };
  for (int i = 0; i < 500 && recorded() < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records.front(), "GET /v1/events 400");
  EXPECT_EQ(records.back(), "GET /v1/projects/{name}/events 400");
}

} // namespace
} // namespace aic::api
