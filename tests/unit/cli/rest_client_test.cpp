#include "../engine/fake_engine.hpp"
#include "cli/rest_client.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace aic::cli {
namespace {

namespace asio = boost::asio;
using engine::testing::FakeEngine;
using engine::testing::Handler;
using engine::testing::Listen;
using engine::testing::ServerConnection;
using namespace std::chrono_literals;

/// The raw requests a fake aicd received, in order.
class Recorder {
public:
  void add(std::string request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(std::move(request));
  }
  std::vector<std::string> all() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
};

std::string http_response(int status, const std::string& reason, const std::string& body,
                          const std::string& content_type = "application/json") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

const std::string kStreamHead = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                                "Transfer-Encoding: chunked\r\n\r\n";
const std::string kLastChunk = "0\r\n\r\n";

std::string chunk(const std::string& data) {
  static const char kHex[] = "0123456789abcdef";
  std::string size;
  for (std::size_t n = data.size(); n > 0; n /= 16) {
    size.insert(size.begin(), kHex[n % 16]);
  }
  return size + "\r\n" + data + "\r\n";
}

/// Records every request on the connection and answers each with `response`.
Handler answer_recording(Recorder& recorder, std::string response) {
  return [&recorder, response](ServerConnection& c) -> asio::awaitable<void> {
    for (;;) {
      std::optional<std::string> request = co_await c.read_request();
      if (!request) {
        co_return;
      }
      recorder.add(std::move(*request));
      co_await c.write(response);
    }
  };
}

HostAddress unix_host(const std::string& path) {
  HostAddress address;
  address.path = path;
  return address;
}

HostAddress tcp_host(int port) {
  HostAddress address;
  address.kind = HostAddress::Kind::Tcp;
  address.host = "127.0.0.1";
  address.port = port;
  return address;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// --- request() ---------------------------------------------------------------------------

TEST(RestClient, GetReturnsTheJsonBody) {
  Recorder recorder;
  FakeEngine aicd(
      answer_recording(recorder, http_response(200, "OK", R"({"name":"demo","services":2})")));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/projects/demo");

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->json()["name"], "demo");
  EXPECT_EQ(response->json()["services"], 2);
  const auto requests = recorder.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].rfind("GET /v1/projects/demo HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_TRUE(contains(requests[0], "\r\nHost: localhost\r\n")) << requests[0];
  EXPECT_FALSE(contains(requests[0], "Authorization:")) << requests[0];
  EXPECT_FALSE(contains(requests[0], "Content-Type:")) << requests[0];
}

TEST(RestClient, JsonOfABodyThatIsNotJsonIsDiscarded) {
  Response response{200, "not json"};
  EXPECT_TRUE(response.json().is_discarded());
}

TEST(RestClient, PutSendsTheJsonBodyWithContentTypeAndBearerToken) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, http_response(201, "Created", "{}")));
  RestClient client(unix_host(aicd.path()), "s3cret");
  const nlohmann::json body = {{"files", {"compose.yaml"}}};

  auto response = client.request("PUT", "/v1/projects/demo", body);

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 201);
  const auto requests = recorder.all();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& request = requests[0];
  EXPECT_EQ(request.rfind("PUT /v1/projects/demo HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_TRUE(contains(request, "\r\nAuthorization: Bearer s3cret\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nContent-Type: application/json\r\n")) << request;
  EXPECT_FALSE(contains(request, "Expect:")) << request;
  const std::string sent_body = request.substr(request.find("\r\n\r\n") + 4);
  EXPECT_EQ(nlohmann::json::parse(sent_body), body);
}

TEST(RestClient, PostWithoutBodySendsAnEmptyContentLength) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, http_response(204, "No Content", "")));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("POST", "/v1/projects/demo/stop");

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 204);
  const auto requests = recorder.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(contains(requests[0], "\r\nContent-Length: 0\r\n")) << requests[0];
  EXPECT_FALSE(contains(requests[0], "Content-Type:")) << requests[0];
}

TEST(RestClient, RequestsReuseOneConnection) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, http_response(200, "OK", "{}")));
  RestClient client(unix_host(aicd.path()));

  for (int i = 0; i < 3; ++i) {
    auto response = client.request("GET", "/v1/version");
    ASSERT_TRUE(response) << response.error().describe();
  }

  EXPECT_EQ(recorder.all().size(), 3u);
  EXPECT_EQ(aicd.accepted(), 1);
}

TEST(RestClient, SpeaksTcp) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, http_response(200, "OK", R"({"ok":true})")),
                  Listen::Tcp);
  RestClient client(tcp_host(aicd.port()), "t");

  auto response = client.request("GET", "/v1/version");

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->json()["ok"], true);
  const auto requests = recorder.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(contains(requests[0], "\r\nHost: 127.0.0.1:" + std::to_string(aicd.port())))
      << requests[0];
  EXPECT_TRUE(contains(requests[0], "\r\nAuthorization: Bearer t\r\n")) << requests[0];
}

TEST(RestClient, TooManyRequestsIsSentAgainAfterRetryAfter) {
  Recorder recorder;
  const std::string envelope =
      R"({"error":{"code":"too_many_requests","message":"busy","details":[]}})";
  const std::string too_many =
      "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(envelope.size()) + "\r\n\r\n" + envelope;
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    for (;;) {
      std::optional<std::string> request = co_await c.read_request();
      if (!request) {
        co_return;
      }
      recorder.add(std::move(*request));
      // Named: GCC 12 double-frees a temporary made inside a co_await expression.
      const std::string answer =
          recorder.all().size() < 3 ? too_many : http_response(200, "OK", R"({"ok":1})");
      co_await c.write(answer);
    }
  });
  RestClient client(unix_host(aicd.path()));

  const auto start = std::chrono::steady_clock::now();
  auto response = client.request("PUT", "/v1/projects/demo", nlohmann::json{{"a", 1}});
  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->json()["ok"], 1);
  EXPECT_EQ(recorder.all().size(), 3u) << "two refusals, then the answer";
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s) << "waited Retry-After each time";

  // Within a deadline shorter than Retry-After, the 429 is the answer.
  Recorder second;
  FakeEngine always(answer_recording(second, too_many));
  RestClient impatient(unix_host(always.path()));
  auto refused = impatient.request("GET", "/v1/version", std::nullopt, 500ms);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(), "busy");
  EXPECT_EQ(second.all().size(), 1u);
}

TEST(RestClient, ErrorEnvelopeBecomesTheError) {
  Recorder recorder;
  const std::string envelope = R"({"error":{"code":"not_found","message":"project demo not found",)"
                               R"("details":["known projects: api, web"]}})";
  FakeEngine aicd(answer_recording(recorder, http_response(404, "Not Found", envelope)));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/projects/demo");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::NotFound);
  EXPECT_EQ(response.error().message(), "project demo not found");
  EXPECT_EQ(response.error().details(), std::vector<std::string>{"known projects: api, web"});
}

TEST(RestClient, AnswerWithoutEnvelopeGetsTheCodeOfItsStatusAndQuotesTheBody) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(
      recorder, http_response(503, "Service Unavailable", "upstream down\n", "text/plain")));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(response.error().message(),
            "aicd at unix://" + aicd.path() + " answered HTTP 503: upstream down");
}

TEST(RestClient, MalformedEnvelopeIsQuotedNotThrown) {
  Recorder recorder;
  FakeEngine aicd(
      answer_recording(recorder, http_response(409, "Conflict", R"({"error":{"code":7}})")));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("DELETE", "/v1/projects/demo");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Conflict);
  EXPECT_TRUE(contains(response.error().message(), R"(answered HTTP 409: {"error":{"code":7}})"))
      << response.error().message();
}

TEST(RestClient, AnswerOverTheBodyLimitFails) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, http_response(200, "OK", std::string(4096, 'a'))));
  RestLimits limits;
  limits.max_body = 1024;
  RestClient client(unix_host(aicd.path()), {}, limits);

  auto response = client.request("GET", "/v1/big");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Internal);
  EXPECT_EQ(response.error().message(),
            "the answer of aicd at unix://" + aicd.path() + " to GET /v1/big exceeds 1 KiB");
}

TEST(RestClient, MissingSocketIsEngineUnavailableWithHowToStartAicd) {
  char dir_template[] = "/tmp/aic-rest-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  RestClient client(unix_host(dir + "/aicd.sock"));

  auto response = client.request("GET", "/v1/version");
  std::filesystem::remove_all(dir);

  ASSERT_FALSE(response);
  const Error& error = response.error();
  EXPECT_EQ(error.code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(error.message(),
            "cannot connect to aicd at unix://" + dir + "/aicd.sock: no such file or directory");
  ASSERT_EQ(error.details().size(), 2u);
  EXPECT_TRUE(contains(error.details()[0], "`aicd --socket PATH --state-dir DIR`"));
  EXPECT_TRUE(contains(error.details()[0], "`systemctl start aicd`"));
  EXPECT_TRUE(contains(error.details()[1], "--host or AIC_HOST"));
}

TEST(RestClient, SocketWithoutPermissionIsEngineUnavailable) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root ignores the socket's mode";
  }
  FakeEngine aicd(engine::testing::answer_each_request(http_response(200, "OK", "{}")));
  ASSERT_EQ(::chmod(aicd.path().c_str(), 0), 0);
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(response.error().message(), ": permission denied"))
      << response.error().message();
}

TEST(RestClient, TcpPortWithNothingListeningIsEngineUnavailable) {
  int port = 0;
  {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(
        io, asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
    port = acceptor.local_endpoint().port();
  }
  RestClient client(tcp_host(port));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(response.error().message(), "cannot connect to aicd at tcp://127.0.0.1:" +
                                            std::to_string(port) + ": connection refused");
}

TEST(RestClient, StalledAicdIsATimeout) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> { co_await c.stall(); });
  RestClient client(unix_host(aicd.path()));

  const auto start = std::chrono::steady_clock::now();
  auto response = client.request("GET", "/v1/slow", std::nullopt, 200ms);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Timeout);
  EXPECT_EQ(response.error().message(),
            "aicd at unix://" + aicd.path() + " did not answer GET /v1/slow within 200ms");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RestClient, ConnectionDroppedBeforeAnAnswerIsEngineUnavailable) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    (void)co_await c.read_request();
    c.close();
  });
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(response.error().message(), "dropped the connection during GET /v1/version"))
      << response.error().message();
}

TEST(RestClient, TokenWithControlCharactersIsRefused) {
  RestClient client(unix_host("/nonexistent/aicd.sock"), "abc\r\nX-Evil: 1");

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::InvalidSpec);
}

// --- stream() ----------------------------------------------------------------------------

TEST(RestClientStream, DeliversEachLineAsSoonAsItArrives) {
  std::atomic<bool> first_seen{false};
  std::atomic<bool> second_sent{false};
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write(kStreamHead);
    std::string first = chunk("{\"n\":1}\n{\"n\":");
    co_await c.write(first);
    for (int i = 0; i < 500 && !first_seen.load(); ++i) {
      co_await c.pause(10ms);
    }
    second_sent = true;
    std::string rest = chunk("2}\r\n\n") + chunk("{\"n\":3}") + kLastChunk;
    co_await c.write(rest);
  });
  RestClient client(unix_host(aicd.path()));
  std::vector<std::string> lines;
  bool second_sent_before_first_line = true;

  auto result = client.stream("GET", "/v1/events", std::nullopt, [&](std::string_view line) {
    if (lines.empty()) {
      second_sent_before_first_line = second_sent.load();
      first_seen = true;
    }
    lines.emplace_back(line);
    return true;
  });

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_FALSE(second_sent_before_first_line);
  EXPECT_EQ(lines, (std::vector<std::string>{R"({"n":1})", R"({"n":2})", R"({"n":3})"}));
}

TEST(RestClientStream, SendsTheBodyAndToken) {
  Recorder recorder;
  FakeEngine aicd(answer_recording(recorder, kStreamHead + chunk("{}\n") + kLastChunk));
  RestClient client(unix_host(aicd.path()), "s3cret");
  const nlohmann::json body = {{"follow", true}};

  auto result =
      client.stream("POST", "/v1/projects/demo/logs", body, [](std::string_view) { return true; });

  ASSERT_TRUE(result) << result.error().describe();
  const auto requests = recorder.all();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].rfind("POST /v1/projects/demo/logs HTTP/1.1\r\n", 0), 0u);
  EXPECT_TRUE(contains(requests[0], "\r\nAuthorization: Bearer s3cret\r\n")) << requests[0];
  EXPECT_TRUE(contains(requests[0], "\r\nContent-Type: application/json\r\n")) << requests[0];
  EXPECT_EQ(nlohmann::json::parse(requests[0].substr(requests[0].find("\r\n\r\n") + 4)), body);
}

TEST(RestClientStream, StopsWhenTheCallbackReturnsFalse) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write(kStreamHead);
    for (int i = 0; i < 1000; ++i) {
      std::string line = chunk("{\"tick\":" + std::to_string(i) + "}\n");
      co_await c.write(line);
      co_await c.pause(5ms);
    }
  });
  RestClient client(unix_host(aicd.path()));
  int calls = 0;

  const auto start = std::chrono::steady_clock::now();
  auto result = client.stream("GET", "/v1/events", std::nullopt, [&](std::string_view) {
    ++calls;
    return calls < 2;
  });

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(calls, 2);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(RestClientStream, StopsPromptlyWhenCancelledWhileAicdIsSilent) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write(kStreamHead);
    std::string line = chunk("{\"n\":1}\n");
    co_await c.write(line);
    co_await c.stall();
  });
  RestClient client(unix_host(aicd.path()));
  std::atomic<bool> cancel{false};
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller;
  int calls = 0;

  auto result = client.stream(
      "GET", "/v1/events", std::nullopt,
      [&](std::string_view) {
        if (++calls == 1) {
          canceller = std::thread([&] {
            std::this_thread::sleep_for(150ms);
            cancelled_at = std::chrono::steady_clock::now();
            cancel = true;
          });
        }
        return true;
      },
      &cancel);
  const auto returned_at = std::chrono::steady_clock::now();
  if (canceller.joinable()) {
    canceller.join();
  }

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(calls, 1);
  EXPECT_LT(returned_at - cancelled_at, 800ms);
}

TEST(RestClientStream, LineOverTheLimitFails) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write(kStreamHead);
    std::string ok = chunk("{}\n");
    co_await c.write(ok);
    // 1 MiB and one byte, never ended by a newline.
    for (int i = 0; i < 16; ++i) {
      std::string piece = chunk(std::string(std::size_t{1} << 16, 'x'));
      co_await c.write(piece);
    }
    std::string last = chunk("x");
    co_await c.write(last);
    co_await c.stall();
  });
  RestClient client(unix_host(aicd.path()));
  int calls = 0;

  auto result = client.stream("GET", "/v1/events", std::nullopt, [&](std::string_view) {
    ++calls;
    return true;
  });

  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(result.error().code(), ErrorCode::Internal);
  EXPECT_EQ(result.error().message(), "aicd at unix://" + aicd.path() +
                                          " sent a line over 1 MiB in answer to GET /v1/events");
}

TEST(RestClientStream, CompleteLineOverTheLimitFails) {
  FakeEngine aicd(engine::testing::answer_each_request(
      kStreamHead + chunk(std::string(2000, 'y') + "\n") + kLastChunk));
  RestLimits limits;
  limits.max_line = 1024;
  RestClient client(unix_host(aicd.path()), {}, limits);

  auto result =
      client.stream("GET", "/v1/events", std::nullopt, [](std::string_view) { return true; });

  ASSERT_FALSE(result);
  EXPECT_TRUE(contains(result.error().message(), "sent a line over 1 KiB"))
      << result.error().message();
}

TEST(RestClientStream, ErrorStatusIsDecodedFromTheEnvelope) {
  const std::string envelope =
      R"({"error":{"code":"conflict","message":"project demo is being removed","details":[]}})";
  FakeEngine aicd(engine::testing::answer_each_request(http_response(409, "Conflict", envelope)));
  RestClient client(unix_host(aicd.path()));
  int calls = 0;

  auto result =
      client.stream("GET", "/v1/projects/demo/events", std::nullopt, [&](std::string_view) {
        ++calls;
        return true;
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(result.error().code(), ErrorCode::Conflict);
  EXPECT_EQ(result.error().message(), "project demo is being removed");
}

TEST(RestClientStream, MissingSocketIsEngineUnavailable) {
  RestClient client(unix_host("/nonexistent-aic-dir/aicd.sock"));

  auto result =
      client.stream("GET", "/v1/events", std::nullopt, [](std::string_view) { return true; });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(result.error().message(), "cannot connect to aicd at "
                                      "unix:///nonexistent-aic-dir/aicd.sock: no such file or "
                                      "directory");
}

TEST(RestClientStream, StreamCutShortIsAnError) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    std::string partial = kStreamHead + chunk("{}\n");
    co_await c.write(partial);
    c.close();
  });
  RestClient client(unix_host(aicd.path()));
  int calls = 0;

  auto result = client.stream("GET", "/v1/events", std::nullopt, [&](std::string_view) {
    ++calls;
    return true;
  });

  ASSERT_FALSE(result);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
}

// --- addresses ---------------------------------------------------------------------------

struct HostRow {
  const char* name;
  const char* value;
  const char* displayed;
};

std::ostream& operator<<(std::ostream& os, const HostRow& row) {
  return os << row.name;
}

const HostRow kHostRows[] = {
    {"UnixSocket", "unix:///run/aic/aicd.sock", "unix:///run/aic/aicd.sock"},
    {"SurroundingSpacesAreTrimmed", "  unix:///tmp/a.sock\n", "unix:///tmp/a.sock"},
    {"TcpHostAndPort", "tcp://10.0.0.5:8080", "tcp://10.0.0.5:8080"},
    {"TcpName", "tcp://aicd.internal:8080", "tcp://aicd.internal:8080"},
    {"TcpTrailingSlash", "tcp://aicd.internal:8080/", "tcp://aicd.internal:8080"},
    {"HttpIsTcp", "http://host:80", "tcp://host:80"},
    {"BracketedIpv6", "tcp://[::1]:9000", "tcp://[::1]:9000"},
    {"HighestPort", "tcp://h:65535", "tcp://h:65535"},
    {"HttpsIsTcpWithTls", "https://aicd.internal:8443", "https://aicd.internal:8443"},
    {"HttpsBracketedIpv6", "https://[::1]:8443/", "https://[::1]:8443"},
};

class ParseHost : public ::testing::TestWithParam<HostRow> {};

TEST_P(ParseHost, ReadsTheAddress) {
  const HostRow& row = GetParam();
  const auto address = parse_host(row.value);
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(address->display(), row.displayed);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseHost, ::testing::ValuesIn(kHostRows),
                         [](const ::testing::TestParamInfo<HostRow>& param) {
                           return std::string(param.param.name);
                         });

struct BadHostRow {
  const char* name;
  const char* value;
  const char* why; // the message between the quoted value and the accepted forms
};

std::ostream& operator<<(std::ostream& os, const BadHostRow& row) {
  return os << row.name;
}

const BadHostRow kBadHostRows[] = {
    {"Empty", "", "empty address"},
    {"Blank", " \t", "empty address"},
    {"BarePath", "/run/aic/aicd.sock", "missing scheme"},
    {"EmptyScheme", "://h:1", "missing scheme"},
    {"RelativeSocket", "unix://aicd.sock", "the socket path must be absolute"},
    {"UnixWithoutPath", "unix://", "the socket path must be absolute"},
    {"SocketPathIsADirectory", "unix:///run/aic/", "the socket path names a directory"},
    {"NestedScheme", "unix:///a://b", "invalid socket path"},
    {"TcpWithoutPort", "tcp://host", "missing port"},
    {"TcpWithEmptyPort", "tcp://host:", "missing port"},
    {"TcpWithoutHost", "tcp://:8080", "missing host"},
    {"PortZero", "tcp://host:0", "invalid port \"0\""},
    {"PortTooHigh", "tcp://host:65536", "invalid port \"65536\""},
    {"PortNotANumber", "tcp://host:80x", "invalid port \"80x\""},
    {"NegativePort", "tcp://host:-1", "invalid port \"-1\""},
    {"TcpWithPath", "tcp://host:8080/v1", "a tcp address cannot have a path"},
    {"UnbracketedIpv6", "tcp://::1:8080",
     "an IPv6 address must be in brackets, as in tcp://[::1]:8080"},
    {"UnclosedBracket", "tcp://[::1", "missing ']' after the IPv6 address"},
    {"BadIpv6", "tcp://[xyz]:1", "invalid IPv6 address \"xyz\""},
    {"JunkAfterIpv6", "tcp://[::1]x", "unexpected \"x\" after the host"},
    {"BadHostName", "tcp://ho st:1", "invalid host \"ho st\""},
    {"HttpsWithoutPort", "https://host", "missing port"},
    {"Ssh", "ssh://host", "the ssh scheme is not supported"},
    {"SchemesAreCaseSensitive", "TCP://h:1", "the TCP scheme is not supported"},
};

class ParseHostRejects : public ::testing::TestWithParam<BadHostRow> {};

TEST_P(ParseHostRejects, SayingWhyAndWhatIsAccepted) {
  const BadHostRow& row = GetParam();
  const auto address = parse_host(row.value);
  ASSERT_FALSE(address) << address->display();
  EXPECT_EQ(address.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(address.error().message(), "invalid aicd address \"" + std::string(row.value) +
                                           "\": " + row.why +
                                           " (use unix:///path/to/aicd.sock, tcp://host:port or "
                                           "https://host:port)");
}

INSTANTIATE_TEST_SUITE_P(Table, ParseHostRejects, ::testing::ValuesIn(kBadHostRows),
                         [](const ::testing::TestParamInfo<BadHostRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(ResolveHost, DefaultsToTheSystemSocket) {
  EXPECT_EQ(default_host().display(), "unix:///run/aic/aicd.sock");
  const auto address = resolve_host(std::nullopt, {});
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(*address, default_host());
}

TEST(ResolveHost, UsesAicHostWhenNoFlagIsGiven) {
  const auto address = resolve_host(std::nullopt, {{"AIC_HOST", "tcp://b:2"}});
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(address->display(), "tcp://b:2");
}

TEST(ResolveHost, FlagBeatsAicHost) {
  const auto address = resolve_host("tcp://a:1", {{"AIC_HOST", "not an address"}});
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(address->display(), "tcp://a:1");
}

TEST(ResolveHost, EmptyAicHostIsTheDefault) {
  const auto address = resolve_host(std::nullopt, {{"AIC_HOST", ""}});
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(*address, default_host());
}

TEST(ResolveHost, NamesWhereABadValueCameFrom) {
  const auto from_flag = resolve_host("bogus", {});
  ASSERT_FALSE(from_flag);
  EXPECT_EQ(from_flag.error().context(), std::vector<std::string>{"--host"});
  const auto from_env = resolve_host(std::nullopt, {{"AIC_HOST", "bogus"}});
  ASSERT_FALSE(from_env);
  EXPECT_EQ(from_env.error().context(), std::vector<std::string>{"AIC_HOST"});
  EXPECT_EQ(from_env.error().code(), ErrorCode::InvalidSpec);
}

TEST(ResolveHost, TakesTheTlsCaFromTheFlagOrAicTlsCaCert) {
  const std::map<std::string, std::string> env = {{"AIC_HOST", "https://h:8443"},
                                                  {"AIC_TLS_CA_CERT", "/env/ca.pem"}};
  const auto from_env = resolve_host(std::nullopt, env);
  ASSERT_TRUE(from_env) << from_env.error().describe();
  EXPECT_TRUE(from_env->tls);
  EXPECT_EQ(from_env->tls_ca_file, "/env/ca.pem");
  const auto from_flag = resolve_host(std::nullopt, env, std::string("/flag/ca.pem"));
  ASSERT_TRUE(from_flag);
  EXPECT_EQ(from_flag->tls_ca_file, "/flag/ca.pem");
  const auto plain = resolve_host("tcp://h:1", env, std::string("/flag/ca.pem"));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->tls);
  EXPECT_EQ(plain->tls_ca_file, "") << "only https:// uses it";
}

TEST(ResolveToken, FlagBeatsAicTokenEvenWhenEmpty) {
  const std::map<std::string, std::string> env = {{"AIC_TOKEN", "from-env"}};
  EXPECT_EQ(resolve_token("from-flag", env), "from-flag");
  EXPECT_EQ(resolve_token("", env), "");
  EXPECT_EQ(resolve_token(std::nullopt, env), "from-env");
  EXPECT_EQ(resolve_token(std::nullopt, {}), "");
}

} // namespace
} // namespace aic::cli
