// DockerClient against a scripted fake engine, for what the real engine cannot be made to do:
// odd API versions, error bodies, streams split at arbitrary bytes, dropped connections, garbage
// and stalls at any call. The client's behaviour against the real engine is in tests/e2e/.

#include "engine/docker_client.hpp"
#include "engine/multiplex.hpp"
#include "fake_engine.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace aic::engine {
namespace {

using namespace testing;
namespace asio = boost::asio;
using std::chrono::milliseconds;

// ---- the fake engine's side -------------------------------------------------------------------

/// A complete response; 204 and 304 carry no body.
std::string http_response(int status, std::string_view body,
                          std::string_view content_type = "application/json") {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " Fake\r\n";
  if (status == 204 || status == 304) {
    return out + "\r\n";
  }
  out += "Content-Type: " + std::string(content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

/// The head of a streamed (chunked) 200 answer.
std::string stream_head(std::string_view content_type = "application/json") {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + std::string(content_type) +
         "\r\nTransfer-Encoding: chunked\r\n\r\n";
}

/// One HTTP chunk carrying `data`.
std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

constexpr std::string_view kLastChunk = "0\r\n\r\n";

std::string version_body(std::string_view max, std::string_view min) {
  return R"({"Version":"27.3.1","ApiVersion":")" + std::string(max) + R"(","MinAPIVersion":")" +
         std::string(min) + R"(","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"})";
}

/// "GET /v1.47/containers/c1/json" of a raw request.
std::string request_line(const std::string& raw) {
  return raw.substr(0, raw.find(" HTTP/1.1\r\n"));
}

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

/// The url-decoded value of query parameter `key` in a request line; nullopt when absent.
std::optional<std::string> query_param(const std::string& line, const std::string& key) {
  const std::size_t question = line.find('?');
  if (question == std::string::npos) {
    return std::nullopt;
  }
  std::string_view query = std::string_view(line).substr(question + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return std::nullopt;
}

/// Request lines of every request an engine recorded, in the order received.
std::vector<std::string> lines_of(const FakeEngine& engine) {
  std::vector<std::string> out;
  for (const auto& raw : engine.requests()) {
    out.push_back(request_line(raw));
  }
  return out;
}

/// Minimal valid answers to the calls these tests make, at any API version; an engine that speaks
/// API 1.24 to 1.47.
std::string standard_answer(const std::string& line) {
  const std::size_t space = line.find(' ');
  const std::string method = line.substr(0, space);
  std::string target = line.substr(space + 1);
  if (target.rfind("/v1.", 0) == 0) {
    target.erase(0, target.find('/', 1));
  }
  const auto is = [&](std::string_view m, std::string_view prefix) {
    return method == m && target.rfind(prefix, 0) == 0;
  };
  if (is("GET", "/version")) {
    return http_response(200, version_body("1.47", "1.24"));
  }
  if (is("GET", "/_ping")) {
    return http_response(200, "OK", "text/plain");
  }
  if (is("POST", "/networks/create")) {
    return http_response(201, R"({"Id":"n1","Warning":""})");
  }
  if (is("POST", "/volumes/create")) {
    return http_response(201, R"({"Name":"v1","Driver":"local","Mountpoint":"/var/lib/docker/)"
                              R"(volumes/v1/_data","Labels":{},"Scope":"local"})");
  }
  if (is("POST", "/containers/create")) {
    return http_response(201, R"({"Id":"c1","Warnings":[]})");
  }
  if (is("POST", "/containers/c1/start")) {
    return http_response(204, "");
  }
  if (is("GET", "/containers/c1/json")) {
    return http_response(200, R"({"Id":"c1","Name":"/web-1","Config":{"Tty":false},)"
                              R"("State":{"Status":"running","Running":true}})");
  }
  if (is("GET", "/containers/json")) {
    return http_response(200, R"([{"Id":"c1","Names":["/web-1"],"State":"running"}])");
  }
  if (is("DELETE", "/containers/c1") || is("DELETE", "/networks/n1") ||
      is("DELETE", "/volumes/v1")) {
    return http_response(204, "");
  }
  return http_response(404, R"({"message":"fake engine: no route for )" + line + "\"}");
}

/// The standard answers, except GET /version, which reports [min, max].
std::function<std::string(const std::string&)> speaking(std::string max, std::string min) {
  return [max, min](const std::string& line) {
    return line == "GET /version" ? http_response(200, version_body(max, min))
                                  : standard_answer(line);
  };
}

/// Answers each request, on any number of keep-alive connections, with what `answer` gives for
/// its request line, and keeps every request. `answer` runs on the engine's thread.
class RoutedEngine {
public:
  using Answer = std::function<std::string(const std::string& line)>;

  explicit RoutedEngine(Answer answer, Listen on = Listen::Unix)
      : answer_(std::move(answer)), engine_([this](ServerConnection& c) { return serve(c); }, on) {}

  std::vector<std::string> lines() const { return lines_of(engine_); }
  FakeEngine& engine() { return engine_; }

private:
  asio::awaitable<void> serve(ServerConnection& c) {
    while (auto request = co_await c.read_request()) {
      const std::string line = request_line(*request);
      engine_.record(std::move(*request));
      co_await c.write(answer_(line));
    }
  }

  Answer answer_;
  FakeEngine engine_;
};

// ---- the client's side ------------------------------------------------------------------------

ClientOptions options_for(const EngineAddress& address) {
  ClientOptions options;
  options.address = address;
  options.call_deadline = milliseconds(2'000);
  options.long_call_deadline = milliseconds(2'000);
  options.busy_call_deadline = milliseconds(2'000);
  return options;
}

/// Options that skip negotiation (API 1.47).
ClientOptions fixed_version(const EngineAddress& address) {
  ClientOptions options = options_for(address);
  options.api_version = ApiVersion{1, 47};
  return options;
}

/// A DockerClient on its own io_context, with a synchronous run() for one coroutine at a time.
class Session {
public:
  explicit Session(ClientOptions options) : client_(io_.get_executor(), std::move(options)) {}

  DockerClient& client() { return client_; }

  /// Runs `op` until it completes and returns its value.
  template <typename T>
  T run(asio::awaitable<T> op) {
    std::optional<T> out;
    std::exception_ptr failure;
    asio::co_spawn(
        io_, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(op)); },
        [&](std::exception_ptr e) { failure = e; });
    io_.restart();
    io_.run();
    if (failure) {
      std::rethrow_exception(failure);
    }
    return std::move(*out);
  }

private:
  asio::io_context io_;
  DockerClient client_;
};

bool has_context(const Error& error, std::string_view what) {
  for (const auto& context : error.context()) {
    if (context == what) {
      return true;
    }
  }
  return false;
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// ---- version negotiation ----------------------------------------------------------------------

TEST(DockerClientFake, UsesTheHighestVersionBothSidesSpeak) {
  RoutedEngine engine(speaking("1.47", "1.24"));
  Session session(options_for(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(inspected->id, "c1");
  EXPECT_EQ(engine.lines(),
            (std::vector<std::string>{"GET /version", "GET /v1.47/containers/c1/json"}));
  auto version = session.run(session.client().api_version());
  ASSERT_TRUE(version);
  EXPECT_EQ(*version, (ApiVersion{1, 47}));
}

TEST(DockerClientFake, CapsTheVersionAtTheNewestItSpeaks) {
  RoutedEngine engine(speaking("1.50", "1.44"));
  Session session(options_for(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(engine.lines(),
            (std::vector<std::string>{"GET /version", "GET /v1.47/containers/c1/json"}));
}

TEST(DockerClientFake, RefusesAnEngineOlderThanItSpeaksNamingBothRanges) {
  RoutedEngine engine(speaking("1.40", "1.12"));
  Session session(options_for(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(inspected.error().message(), "1.12 to 1.40")) << inspected.error().message();
  EXPECT_TRUE(contains(inspected.error().message(), "1.41")) << inspected.error().message();
  EXPECT_EQ(engine.lines(), (std::vector<std::string>{"GET /version"}));
}

TEST(DockerClientFake, RefusesAnEngineThatDroppedTheVersionsItSpeaks) {
  RoutedEngine engine(speaking("1.52", "1.48"));
  Session session(options_for(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(inspected.error().message(), "1.48")) << inspected.error().message();
  EXPECT_TRUE(contains(inspected.error().message(), "1.41 to 1.47")) << inspected.error().message();
  EXPECT_EQ(engine.lines(), (std::vector<std::string>{"GET /version"}));
}

TEST(DockerClientFake, UnreadableEngineVersionIsEngineUnavailable) {
  RoutedEngine engine(speaking("banana", ""));
  Session session(options_for(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(inspected.error().message(), "banana")) << inspected.error().message();
}

TEST(DockerClientFake, SkipsNegotiationWhenTheVersionIsGiven) {
  RoutedEngine engine(standard_answer);
  ClientOptions options = options_for(engine.engine().address());
  options.api_version = ApiVersion{1, 43};
  Session session(options);
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(engine.lines(), (std::vector<std::string>{"GET /v1.43/containers/c1/json"}));
}

TEST(DockerClientFake, NegotiatesOnceForManyCalls) {
  RoutedEngine engine(standard_answer);
  Session session(options_for(engine.engine().address()));
  DockerClient& client = session.client();
  EXPECT_TRUE(session.run(client.inspect_container("c1")));
  EXPECT_TRUE(session.run(client.list_containers(ContainerListOptions{})));
  EXPECT_TRUE(session.run(client.start_container("c1")));
  EXPECT_TRUE(session.run(client.inspect_container("c1")));
  const auto lines = engine.lines();
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "GET /version"), 1);
  EXPECT_EQ(lines.front(), "GET /version");
  // Every call after it went over the one keep-alive connection.
  EXPECT_EQ(engine.engine().accepted(), 1);
}

// ---- error mapping ----------------------------------------------------------------------------

struct StatusRow {
  int status;
  ErrorCode code;
};

TEST(DockerClientFake, MapsEngineStatusesToErrorCodesWithTheEngineMessage) {
  const StatusRow rows[] = {
      {400, ErrorCode::InvalidSpec}, {401, ErrorCode::Internal}, {403, ErrorCode::Conflict},
      {404, ErrorCode::NotFound},    {409, ErrorCode::Conflict}, {500, ErrorCode::Internal},
      {503, ErrorCode::Internal},
  };
  for (const StatusRow& row : rows) {
    SCOPED_TRACE(row.status);
    RoutedEngine engine([&row](const std::string&) {
      return http_response(row.status, R"({"message":"engine says no"})");
    });
    Session session(fixed_version(engine.engine().address()));
    auto removed = session.run(session.client().remove_container("c1"));
    ASSERT_FALSE(removed);
    EXPECT_EQ(removed.error().code(), row.code);
    EXPECT_EQ(removed.error().message(), "engine says no");
  }
}

TEST(DockerClientFake, NotFoundCarriesExactlyTheEngineMessage) {
  RoutedEngine engine([](const std::string&) {
    return http_response(404, R"({"message":"No such container: x"})");
  });
  Session session(fixed_version(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("x"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::NotFound);
  EXPECT_EQ(inspected.error().message(), "No such container: x");
}

TEST(DockerClientFake, NonJsonErrorBodyBecomesTheTrimmedMessage) {
  RoutedEngine engine([](const std::string&) {
    return http_response(500, "  \n upstream exploded: disk full \r\n", "text/plain");
  });
  Session session(fixed_version(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::Internal);
  EXPECT_EQ(inspected.error().message(), "upstream exploded: disk full");
}

TEST(DockerClientFake, EmptyErrorBodyNamesTheStatus) {
  RoutedEngine engine([](const std::string&) { return http_response(502, ""); });
  Session session(fixed_version(engine.engine().address()));
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::Internal);
  EXPECT_EQ(inspected.error().message(), "the engine answered HTTP 502");
}

TEST(DockerClientFake, StartingAContainerAlreadyStartedIsSuccess) {
  RoutedEngine engine([](const std::string&) { return http_response(304, ""); });
  Session session(fixed_version(engine.engine().address()));
  auto started = session.run(session.client().start_container("c1"));
  EXPECT_TRUE(started) << started.error().describe();
  EXPECT_EQ(engine.lines(), (std::vector<std::string>{"POST /v1.47/containers/c1/start"}));
}

TEST(DockerClientFake, ErrorAnswerToAStreamIsMappedLikeACall) {
  RoutedEngine engine([](const std::string&) {
    return http_response(404, R"({"message":"No such container: gone"})");
  });
  Session session(fixed_version(engine.engine().address()));
  auto logs = session.run(session.client().logs("gone", LogOptions{.tty = false}));
  ASSERT_FALSE(logs);
  EXPECT_EQ(logs.error().code(), ErrorCode::NotFound);
  EXPECT_EQ(logs.error().message(), "No such container: gone");
}

// ---- pull progress ----------------------------------------------------------------------------

/// Answers the first request of each connection with a 200 stream of `pieces`, one HTTP chunk
/// each, a moment apart so that the client reads them one by one; `end` follows them (the last
/// chunk, or "" to cut the connection). Keeps every request.
class StreamingEngine {
public:
  StreamingEngine(std::string content_type, std::vector<std::string> pieces, std::string end)
      : content_type_(std::move(content_type)), pieces_(std::move(pieces)), end_(std::move(end)),
        engine_([this](ServerConnection& c) { return serve(c); }) {}

  std::vector<std::string> lines() const { return lines_of(engine_); }
  EngineAddress address() const { return engine_.address(); }

private:
  asio::awaitable<void> serve(ServerConnection& c) {
    auto request = co_await c.read_request();
    if (!request) {
      co_return;
    }
    engine_.record(std::move(*request));
    co_await c.write(stream_head(content_type_));
    for (const auto& piece : pieces_) {
      co_await c.write(chunk(piece));
      co_await c.pause(milliseconds(5));
    }
    co_await c.write(end_);
    c.close();
  }

  std::string content_type_;
  std::vector<std::string> pieces_;
  std::string end_;
  FakeEngine engine_;
};

TEST(DockerClientFake, PullErrorInsideTheStreamFailsAfterReportingEveryMessageInOrder) {
  // Objects split across chunks, several in one chunk, with and without newlines between them.
  StreamingEngine engine(
      "application/json",
      {R"({"status":"Pulling from library/x","id":"la)",
       R"(test"})"
       "\r\n"
       R"({"status":"Downloading","progressDetail":{"current":1,)",
       R"("total":2},"id":"abc"}{"status":"Download complete","id":"abc"}{"errorDetail":{"mes)",
       R"(sage":"manifest unknown"},"error":"manifest unknown"})"
       "\n"},
      std::string(kLastChunk));
  Session session(fixed_version(engine.address()));
  std::vector<ProgressMessage> seen;
  auto pulled = session.run(
      session.client().pull_image("x", [&seen](const ProgressMessage& m) { seen.push_back(m); }));
  ASSERT_FALSE(pulled);
  EXPECT_TRUE(contains(pulled.error().message(), "manifest unknown")) << pulled.error().message();
  EXPECT_TRUE(has_context(pulled.error(), "pulling x")) << pulled.error().describe();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].status, "Pulling from library/x");
  EXPECT_EQ(seen[0].id, "latest");
  EXPECT_EQ(seen[1].status, "Downloading");
  EXPECT_EQ(seen[1].current, 1);
  EXPECT_EQ(seen[1].total, 2);
  EXPECT_EQ(seen[2].status, "Download complete");
  EXPECT_TRUE(seen[3].is_error());
  EXPECT_EQ(seen[3].error_message, "manifest unknown");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(seen[i].is_error()) << i;
  }
}

TEST(DockerClientFake, PullStreamEndingInsideAnObjectIsEngineUnavailable) {
  StreamingEngine engine("application/json",
                         {R"({"status":"Pulling from library/x"})",
                          R"({"status":"Downloading","progressDetail":{"curr)"},
                         std::string(kLastChunk));
  Session session(fixed_version(engine.address()));
  int seen = 0;
  auto pulled = session.run(session.client().pull_image("x", [&](const auto&) { ++seen; }));
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code(), ErrorCode::EngineUnavailable) << pulled.error().describe();
  EXPECT_EQ(seen, 1);
}

TEST(DockerClientFake, PullConnectionCutInsideAnObjectIsEngineUnavailable) {
  StreamingEngine engine("application/json",
                         {R"({"status":"Pulling from library/x"}{"status":"Downlo)"}, "");
  Session session(fixed_version(engine.address()));
  auto pulled = session.run(session.client().pull_image("x"));
  ASSERT_FALSE(pulled);
  EXPECT_EQ(pulled.error().code(), ErrorCode::EngineUnavailable) << pulled.error().describe();
  EXPECT_TRUE(has_context(pulled.error(), "pulling x")) << pulled.error().describe();
}

// ---- events -----------------------------------------------------------------------------------

constexpr std::int64_t kSubscribedNs = 1'700'000'000'000'000'000;

std::string event_json(std::string_view action, std::string_view id, std::int64_t time_ns) {
  return R"({"Type":"container","Action":")" + std::string(action) + R"(","Actor":{"ID":")" +
         std::string(id) + R"(","Attributes":{"name":"web-1"}},"scope":"local","time":)" +
         std::to_string(time_ns / 1'000'000'000) + R"(,"timeNano":)" + std::to_string(time_ns) +
         "}";
}

/// "container start c1 {name=web-1} @1700000001000000042"
std::string describe(const EngineEvent& event) {
  std::string out = event.type + " " + event.action + " " + event.actor_id + " {";
  for (const auto& [key, value] : event.attributes) {
    out += (out.back() == '{' ? "" : ",") + key + "=" + value;
  }
  return out + "} @" + std::to_string(event.time_ns);
}

/// An engine whose i-th events connection sends the objects of scripts[i], one HTTP chunk each,
/// then drops the connection; the last script's connections then stay open and silent instead.
/// Keeps every request.
class EventEngine {
public:
  explicit EventEngine(std::vector<std::vector<std::string>> scripts)
      : scripts_(std::move(scripts)), engine_([this](ServerConnection& c) { return serve(c); }) {}

  std::vector<std::string> lines() const { return lines_of(engine_); }
  EngineAddress address() const { return engine_.address(); }
  FakeEngine& engine() { return engine_; }

private:
  asio::awaitable<void> serve(ServerConnection& c) {
    auto request = co_await c.read_request();
    if (!request) {
      co_return;
    }
    engine_.record(std::move(*request));
    const std::size_t n = std::min(connections_++, scripts_.size() - 1);
    co_await c.write(stream_head());
    for (const auto& object : scripts_[n]) {
      co_await c.write(chunk(object + "\n"));
    }
    if (n + 1 < scripts_.size()) {
      c.close(); // dropped mid-stream
      co_return;
    }
    co_await c.stall();
  }

  std::vector<std::vector<std::string>> scripts_;
  std::size_t connections_ = 0; // on the engine's thread only
  FakeEngine engine_;
};

/// Reads `count` events; stops at the first error.
std::vector<std::string> next_events(Session& session, EventStream& events, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    auto event = session.run(events.next());
    EXPECT_TRUE(event) << event.error().describe();
    if (!event) {
      break;
    }
    out.push_back(describe(*event));
  }
  return out;
}

TEST(DockerClientFake, EventStreamReconnectsFromTheLastEventWithoutLossOrRepeats) {
  constexpr std::int64_t t1 = 1'700'000'000'123'456'789;
  constexpr std::int64_t t2 = 1'700'000'001'000'000'042;
  constexpr std::int64_t t3 = 1'700'000'002'500'000'000;
  EventEngine engine({
      {event_json("create", "c1", t1), event_json("start", "c1", t2)},
      // The reconnect asks from a second before the newest event; the engine replays both.
      {event_json("create", "c1", t1), event_json("start", "c1", t2), event_json("die", "c1", t3)},
  });
  Session session(fixed_version(engine.address()));
  EventFilter filter;
  filter.since_ns = kSubscribedNs;
  auto events = session.client().events(filter);
  EXPECT_EQ(next_events(session, *events, 3),
            (std::vector<std::string>{"container create c1 {name=web-1} @1700000000123456789",
                                      "container start c1 {name=web-1} @1700000001000000042",
                                      "container die c1 {name=web-1} @1700000002500000000"}));
  EXPECT_EQ(events->connections(), 2);
  const auto lines = engine.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(query_param(lines[0], "since"), "1700000000.000000000");
  EXPECT_EQ(query_param(lines[1], "since"), "1700000000.000000042");
  events->close();
}

TEST(DockerClientFake, EventStreamDeliversLiveEventsThatArriveOutOfTimeOrder) {
  // The engine stamps an event before publishing it, so concurrent operations can arrive with
  // an older time than the event before them; none may be dropped.
  constexpr std::int64_t t1 = 1'700'000'001'000'000'000;
  constexpr std::int64_t t0 = 1'700'000'000'990'000'000;
  EventEngine engine({{event_json("start", "c1", t1), event_json("kill", "c2", t0)}});
  Session session(fixed_version(engine.address()));
  EventFilter filter;
  filter.since_ns = kSubscribedNs;
  auto events = session.client().events(filter);
  EXPECT_EQ(next_events(session, *events, 2),
            (std::vector<std::string>{"container start c1 {name=web-1} @1700000001000000000",
                                      "container kill c2 {name=web-1} @1700000000990000000"}));
  events->close();
}

TEST(DockerClientFake, EventStreamKeepsEventsOfTheSameNanosecondAcrossAReconnect) {
  constexpr std::int64_t t1 = 1'700'000'001'000'000'000;
  EventEngine engine({
      {event_json("kill", "c1", t1)},
      {event_json("kill", "c1", t1), event_json("die", "c1", t1), event_json("kill", "c2", t1)},
  });
  Session session(fixed_version(engine.address()));
  EventFilter filter;
  filter.since_ns = kSubscribedNs;
  auto events = session.client().events(filter);
  EXPECT_EQ(next_events(session, *events, 3),
            (std::vector<std::string>{"container kill c1 {name=web-1} @1700000001000000000",
                                      "container die c1 {name=web-1} @1700000001000000000",
                                      "container kill c2 {name=web-1} @1700000001000000000"}));
  EXPECT_EQ(events->connections(), 2);
  events->close();
}

TEST(DockerClientFake, EventStreamGivesUpAfterItsReconnectLimit) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    c.close();
    co_return;
  });
  ClientOptions options = fixed_version(engine.address());
  options.max_event_reconnects = 2;
  Session session(options);
  auto events = session.client().events(EventFilter{});
  auto event = session.run(events->next());
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().code(), ErrorCode::EngineUnavailable) << event.error().describe();
  EXPECT_TRUE(has_context(event.error(), "following engine events")) << event.error().describe();
  // The first attempt and two reconnects.
  EXPECT_EQ(engine.accepted(), 3);
  EXPECT_EQ(events->connections(), 0);
}

TEST(DockerClientFake, EventFiltersAndStartGoIntoTheFirstRequest) {
  EventEngine engine({{event_json("start", "c1", kSubscribedNs + 1)}});
  Session session(fixed_version(engine.address()));
  EventFilter filter;
  filter.types = {"container"};
  filter.labels = {"com.docker.compose.project=demo"};
  filter.since_ns = kSubscribedNs;
  auto events = session.client().events(filter);
  EXPECT_EQ(next_events(session, *events, 1).size(), 1u);
  const auto lines = engine.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("GET /v1.47/events?", 0), 0u) << lines[0];
  EXPECT_EQ(query_param(lines[0], "filters"),
            R"({"label":["com.docker.compose.project=demo"],"type":["container"]})");
  EXPECT_EQ(query_param(lines[0], "since"), "1700000000.000000000");
  events->close();
}

TEST(DockerClientFake, EventStreamWithoutAStartBeginsWhenSubscribed) {
  // An event far in the future, so that it is not older than the subscription.
  EventEngine engine({{event_json("start", "c1", 4'000'000'000'000'000'000)}});
  Session session(fixed_version(engine.address()));
  const auto now_s = [] {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  const auto before = now_s();
  auto events = session.client().events(EventFilter{});
  const auto after = now_s();
  EXPECT_EQ(next_events(session, *events, 1).size(), 1u);
  const auto lines = engine.lines();
  ASSERT_EQ(lines.size(), 1u);
  const auto since = query_param(lines[0], "since");
  ASSERT_TRUE(since);
  const auto seconds = std::stoll(since->substr(0, since->find('.')));
  EXPECT_GE(seconds, before);
  EXPECT_LE(seconds, after);
  events->close();
}

// ---- logs -------------------------------------------------------------------------------------

struct Collected {
  std::string out;
  std::string err;
  std::optional<Error> error;
};

Collected collect(Session& session, ContainerStream& stream) {
  Collected collected;
  for (;;) {
    auto chunks = session.run(stream.read(milliseconds(2'000)));
    if (!chunks) {
      collected.error = chunks.error();
      return collected;
    }
    if (!chunks->has_value()) {
      return collected;
    }
    for (const auto& piece : **chunks) {
      (piece.stream == StreamKind::Stderr ? collected.err : collected.out) += piece.data;
    }
  }
}

/// `bytes` cut at the given sizes; what is left over is the last piece.
std::vector<std::string> cut(const std::string& bytes, const std::vector<std::size_t>& sizes) {
  std::vector<std::string> pieces;
  std::size_t at = 0;
  for (const std::size_t size : sizes) {
    pieces.push_back(bytes.substr(at, size));
    at += size;
  }
  pieces.push_back(bytes.substr(at));
  return pieces;
}

constexpr std::string_view kMultiplexed = "application/vnd.docker.multiplexed-stream";

TEST(DockerClientFake, LogsAreDemultiplexedWhateverTheChunking) {
  const std::string frames = encode_frame(StreamKind::Stdout, "hello\n") +
                             encode_frame(StreamKind::Stderr, "oops: disk full\n") +
                             encode_frame(StreamKind::Stdout, "bye\n");
  // Pieces that end inside headers and inside payloads.
  StreamingEngine engine(std::string(kMultiplexed), cut(frames, {3, 6, 1, 10, 2, 7}),
                         std::string(kLastChunk));
  Session session(fixed_version(engine.address()));
  auto logs = session.run(session.client().logs("c1", LogOptions{.tty = false}));
  ASSERT_TRUE(logs) << logs.error().describe();
  EXPECT_FALSE((*logs)->tty());
  const Collected collected = collect(session, **logs);
  ASSERT_FALSE(collected.error) << collected.error->describe();
  EXPECT_EQ(collected.out, "hello\nbye\n");
  EXPECT_EQ(collected.err, "oops: disk full\n");
  // The caller said whether there is a TTY: no inspect before the logs.
  EXPECT_EQ(engine.lines(),
            (std::vector<std::string>{
                "GET /v1.47/containers/c1/logs?stdout=1&stderr=1&follow=0&timestamps=0"}));
}

TEST(DockerClientFake, LogsEndingInsideAFrameAreEngineUnavailable) {
  const std::string whole = encode_frame(StreamKind::Stdout, "complete\n");
  const std::string next = encode_frame(StreamKind::Stderr, "cut short");
  for (const std::size_t kept : {std::size_t{5}, std::size_t{11}}) { // in the header, the payload
    SCOPED_TRACE(kept);
    StreamingEngine engine(std::string(kMultiplexed), {whole, next.substr(0, kept)},
                           std::string(kLastChunk));
    Session session(fixed_version(engine.address()));
    auto logs = session.run(session.client().logs("c1", LogOptions{.tty = false}));
    ASSERT_TRUE(logs) << logs.error().describe();
    const Collected collected = collect(session, **logs);
    EXPECT_EQ(collected.out, "complete\n");
    EXPECT_EQ(collected.err, kept > 8 ? "cut" : "");
    ASSERT_TRUE(collected.error);
    EXPECT_EQ(collected.error->code(), ErrorCode::EngineUnavailable);
    EXPECT_TRUE(contains(collected.error->message(), "ended inside a frame"))
        << collected.error->message();
  }
}

TEST(DockerClientFake, LogsOfATtyContainerAreRawStdout) {
  // Bytes that would parse as a stderr frame header if the client demultiplexed them.
  const std::string raw = std::string("\x02\0\0\0\0\0\0\x03", 8) + "abc\r\n$ ";
  StreamingEngine engine("application/vnd.docker.raw-stream", cut(raw, {4, 5}),
                         std::string(kLastChunk));
  Session session(fixed_version(engine.address()));
  auto logs = session.run(session.client().logs("c1", LogOptions{.tty = true}));
  ASSERT_TRUE(logs) << logs.error().describe();
  EXPECT_TRUE((*logs)->tty());
  const Collected collected = collect(session, **logs);
  ASSERT_FALSE(collected.error) << collected.error->describe();
  EXPECT_EQ(collected.out, raw);
  EXPECT_EQ(collected.err, "");
}

// ---- a fault at the N-th request --------------------------------------------------------------

enum class Fault : std::uint8_t {
  Drop,    ///< close the connection without answering
  Garbage, ///< answer bytes that are not HTTP, then close
  Stall,   ///< answer nothing until the client gives up, then close
};

/// Answers like standard_answer, except that the `fail_at`-th request received (from 1, over all
/// connections) gets `fault`, after which its connection is closed.
class FaultyEngine {
public:
  FaultyEngine(Fault fault, int fail_at)
      : fault_(fault), fail_at_(fail_at),
        engine_([this](ServerConnection& c) { return serve(c); }) {}

  std::vector<std::string> lines() const { return lines_of(engine_); }
  EngineAddress address() const { return engine_.address(); }

private:
  asio::awaitable<void> serve(ServerConnection& c) {
    while (auto request = co_await c.read_request()) {
      const std::string line = request_line(*request);
      engine_.record(std::move(*request));
      if (++received_ == fail_at_) {
        switch (fault_) {
        case Fault::Drop:
          break;
        case Fault::Garbage:
          co_await c.write("this is not HTTP at all\r\n\r\n");
          break;
        case Fault::Stall:
          co_await c.stall();
          break;
        }
        c.close();
        co_return;
      }
      co_await c.write(standard_answer(line));
    }
  }

  Fault fault_;
  int fail_at_;
  std::atomic<int> received_{0};
  FakeEngine engine_;
};

struct Outcome {
  std::string call;
  std::optional<Error> error;
};

template <typename R>
bool note(std::vector<Outcome>& outcomes, const char* call, const R& result) {
  Outcome outcome;
  outcome.call = call;
  if (!result) {
    outcome.error = result.error();
  }
  outcomes.push_back(std::move(outcome));
  return result.has_value();
}

/// What a supervisor does to bring a one-service project up and down; stops at the first failure.
asio::awaitable<std::vector<Outcome>> bring_up_and_down(DockerClient& client) {
  std::vector<Outcome> outcomes;
  // Named locals throughout: see the GCC 12 note on DockerClient::Call.
  const std::string container_id = "c1";
  const std::string network_id = "n1";
  const std::string volume_name = "v1";
  NetworkCreate network;
  network.name = "demo_default";
  auto network_created = co_await client.create_network(network);
  if (!note(outcomes, "create_network", network_created)) {
    co_return outcomes;
  }
  VolumeCreate volume;
  volume.name = volume_name;
  auto volume_created = co_await client.create_volume(volume);
  if (!note(outcomes, "create_volume", volume_created)) {
    co_return outcomes;
  }
  ContainerCreate container;
  container.name = "web-1";
  container.image = "nginx";
  auto container_created = co_await client.create_container(container);
  if (!note(outcomes, "create_container", container_created)) {
    co_return outcomes;
  }
  auto started = co_await client.start_container(container_id);
  if (!note(outcomes, "start_container", started)) {
    co_return outcomes;
  }
  auto inspected = co_await client.inspect_container(container_id);
  if (!note(outcomes, "inspect_container", inspected)) {
    co_return outcomes;
  }
  ContainerListOptions list;
  auto listed = co_await client.list_containers(list);
  if (!note(outcomes, "list_containers", listed)) {
    co_return outcomes;
  }
  RemoveContainerOptions remove;
  remove.force = true;
  auto removed = co_await client.remove_container(container_id, remove);
  if (!note(outcomes, "remove_container", removed)) {
    co_return outcomes;
  }
  auto network_removed = co_await client.remove_network(network_id);
  if (!note(outcomes, "remove_network", network_removed)) {
    co_return outcomes;
  }
  auto volume_removed = co_await client.remove_volume(volume_name, false);
  note(outcomes, "remove_volume", volume_removed);
  co_return outcomes;
}

/// The requests of bring_up_and_down, in order: one per call, after the negotiation.
const std::vector<std::string> kSequence = {
    "GET /version", // negotiated by the first call
    "POST /v1.47/networks/create",
    "POST /v1.47/volumes/create",
    "POST /v1.47/containers/create?name=web-1",
    "POST /v1.47/containers/c1/start",
    "GET /v1.47/containers/c1/json",
    "GET /v1.47/containers/json?all=1",
    "DELETE /v1.47/containers/c1?force=1&v=0",
    "DELETE /v1.47/networks/n1",
    "DELETE /v1.47/volumes/v1?force=0",
};
constexpr std::size_t kCalls = 9;

/// The call (index into the outcomes) that makes request `n` (from 1) of kSequence.
std::size_t call_of_request(std::size_t n) {
  return n <= 2 ? 0 : n - 2;
}

/// Runs the sequence against an engine that misbehaves at each request in turn, then at none.
void sweep(Fault fault, ClientOptions base, ErrorCode expected, std::string_view message_part) {
  for (std::size_t n = 1; n <= kSequence.size() + 1; ++n) {
    SCOPED_TRACE("fault at request " + std::to_string(n));
    FaultyEngine engine(fault, static_cast<int>(n));
    ClientOptions options = base;
    options.address = engine.address();
    Session session(options);
    const auto outcomes = session.run(bring_up_and_down(session.client()));
    const auto lines = engine.lines();

    const bool beyond = n > kSequence.size();
    // A GET or DELETE dropped on a reused keep-alive connection before any byte of an answer is
    // retried once on a fresh connection, as the engine may have closed an idle connection; that
    // is invisible to the caller. The very first request has no reused connection to blame, and
    // a POST is not retried since the engine may have acted on it.
    const bool retried =
        fault == Fault::Drop && !beyond && n > 1 && kSequence[n - 1].rfind("POST ", 0) != 0;
    if (beyond || retried) {
      ASSERT_EQ(outcomes.size(), kCalls);
      for (const auto& outcome : outcomes) {
        EXPECT_FALSE(outcome.error) << outcome.call << ": " << outcome.error->describe();
      }
      std::vector<std::string> expected_lines = kSequence;
      if (retried) {
        expected_lines.insert(expected_lines.begin() + static_cast<std::ptrdiff_t>(n),
                              kSequence[n - 1]);
      }
      EXPECT_EQ(lines, expected_lines);
      continue;
    }

    ASSERT_EQ(outcomes.size(), call_of_request(n) + 1);
    for (std::size_t i = 0; i + 1 < outcomes.size(); ++i) {
      EXPECT_FALSE(outcomes[i].error) << outcomes[i].call;
    }
    const Outcome& failed = outcomes.back();
    ASSERT_TRUE(failed.error) << failed.call;
    EXPECT_EQ(failed.error->code(), expected) << failed.call << ": " << failed.error->describe();
    EXPECT_TRUE(contains(failed.error->message(), message_part))
        << failed.call << ": " << failed.error->describe();
    if (n == 1) {
      EXPECT_TRUE(has_context(*failed.error, "negotiating the API version"))
          << failed.error->describe();
    }
    EXPECT_EQ(lines, std::vector<std::string>(kSequence.begin(),
                                              kSequence.begin() + static_cast<std::ptrdiff_t>(n)));

    // The broken connection is not reused: the next call goes through (negotiating again if the
    // fault hit the negotiation).
    auto again = session.run(session.client().inspect_container("c1"));
    EXPECT_TRUE(again) << again.error().describe();
  }
}

TEST(DockerClientFake, ConnectionDroppedAtAnyCallIsEngineUnavailableOrRetried) {
  sweep(Fault::Drop, options_for(EngineAddress{}), ErrorCode::EngineUnavailable,
        "connection closed");
}

TEST(DockerClientFake, GarbageInsteadOfHttpAtAnyCallIsEngineUnavailable) {
  sweep(Fault::Garbage, options_for(EngineAddress{}), ErrorCode::EngineUnavailable, "malformed");
}

TEST(DockerClientFake, StallAtAnyCallTimesOut) {
  ClientOptions options = options_for(EngineAddress{});
  options.call_deadline = milliseconds(200);
  options.long_call_deadline = milliseconds(200); // remove with force is a long call
  options.busy_call_deadline = milliseconds(200); // create and start
  sweep(Fault::Stall, options, ErrorCode::Timeout, "no answer within 200 ms");
}

// ---- TCP --------------------------------------------------------------------------------------

TEST(DockerClientFake, SpeaksToAnEngineOverTcp) {
  RoutedEngine engine(standard_answer, Listen::Tcp);
  const EngineAddress address = engine.engine().address();
  ASSERT_EQ(address.kind, EngineAddress::Kind::Tcp);
  ASSERT_NE(address.port, 0);
  Session session(options_for(address));
  auto pinged = session.run(session.client().ping());
  ASSERT_TRUE(pinged) << pinged.error().describe();
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_TRUE(inspected) << inspected.error().describe();
  EXPECT_EQ(inspected->id, "c1");
  EXPECT_EQ(engine.lines(), (std::vector<std::string>{"GET /_ping", "GET /version",
                                                      "GET /v1.47/containers/c1/json"}));
}

TEST(DockerClientFake, PostAfterTheEngineClosedAnIdleTcpConnectionGoesOutOnAFreshOne) {
  // Over TCP a write to a connection the peer closed still succeeds, and a POST is never
  // retried after its write, so the transport must notice the close before reusing it.
  // The engine closes a connection after each POST's answer. (Not after the version
  // negotiation's GET: the first POST follows it at once, before any FIN could arrive.)
  FakeEngine engine(
      [](ServerConnection& c) -> asio::awaitable<void> {
        while (auto request = co_await c.read_request()) {
          const std::string line = request_line(*request);
          co_await c.write(standard_answer(line));
          if (line.rfind("POST ", 0) == 0) {
            break;
          }
        }
        c.close();
      },
      Listen::Tcp);
  Session session(options_for(engine.address()));
  for (int i = 0; i < 3; ++i) {
    NetworkCreate network;
    network.name = "net" + std::to_string(i);
    auto created = session.run(session.client().create_network(network));
    ASSERT_TRUE(created) << i << ": " << created.error().describe();
    std::this_thread::sleep_for(milliseconds(50)); // let the engine's FIN arrive
  }
  EXPECT_EQ(engine.accepted(), 3); // /version and the first create, then one per create
}

TEST(DockerClientFake, TcpAddressWhereNothingListensIsEngineUnavailable) {
  // A bound socket that does not listen keeps the port ours and refuses connections.
  asio::io_context io;
  asio::ip::tcp::socket placeholder(io);
  placeholder.open(asio::ip::tcp::v4());
  placeholder.bind(asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  EngineAddress address;
  address.kind = EngineAddress::Kind::Tcp;
  address.host = "127.0.0.1";
  address.port = placeholder.local_endpoint().port();
  Session session(options_for(address));
  auto pinged = session.run(session.client().ping());
  ASSERT_FALSE(pinged);
  EXPECT_EQ(pinged.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(pinged.error().message(), "tcp://127.0.0.1:" + std::to_string(address.port)))
      << pinged.error().message();
  auto inspected = session.run(session.client().inspect_container("c1"));
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(has_context(inspected.error(), "negotiating the API version"))
      << inspected.error().describe();
}

} // namespace
} // namespace aic::engine
