// RestClient's HTTP/1.1 over the socket, against a scripted aicd: keep-alive and the one
// transparent reconnect, the ways an answer's body is delimited, downloads, uploads, and the
// upgrade of `aic exec`.

#include "../engine/fake_engine.hpp"
#include "cli/rest_client.hpp"
#include "cli/upgrade_connection.hpp"

#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <vector>

namespace aic::cli {
namespace {

namespace asio = boost::asio;
using engine::testing::FakeEngine;
using engine::testing::ServerConnection;
using namespace std::chrono_literals;

std::string http_response(int status, const std::string& reason, const std::string& body,
                          const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string chunk(const std::string& data) {
  static const char kHex[] = "0123456789abcdef";
  std::string size;
  for (std::size_t n = data.size(); n > 0; n /= 16) {
    size.insert(size.begin(), kHex[n % 16]);
  }
  return size + "\r\n" + data + "\r\n";
}

HostAddress unix_host(const std::string& path) {
  HostAddress address;
  address.path = path;
  return address;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// The requests a fake aicd received, in order, from every connection.
class Requests {
public:
  void add(std::string request) {
    std::lock_guard lock(mutex_);
    all_.push_back(std::move(request));
  }
  std::vector<std::string> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }

private:
  mutable std::mutex mutex_;
  std::vector<std::string> all_;
};

// --- request(): connections -----------------------------------------------------------------

TEST(RestClientHttp, ReconnectsOnceWhenAicdClosedTheKeptConnectionBeforeAnswering) {
  Requests requests;
  std::atomic<int> connections{0};
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    const int n = ++connections;
    while (auto request = co_await c.read_request()) {
      requests.add(*request);
      if (n == 1 && requests.all().size() == 2) {
        c.close(); // took the second request on an idle connection, then went away
        co_return;
      }
      co_await c.write(http_response(200, "OK", R"({"n":)" + std::to_string(n) + "}"));
    }
  });
  RestClient client(unix_host(aicd.path()));

  auto first = client.request("GET", "/v1/version");
  auto second = client.request("GET", "/v1/version");

  ASSERT_TRUE(first) << first.error().describe();
  ASSERT_TRUE(second) << second.error().describe();
  EXPECT_EQ(first->json()["n"], 1);
  EXPECT_EQ(second->json()["n"], 2);
  EXPECT_EQ(requests.all().size(), 3u);
  EXPECT_EQ(aicd.accepted(), 2);
}

TEST(RestClientHttp, DoesNotSendAgainAfterPartOfTheAnswerArrived) {
  Requests requests;
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    int n = 0;
    while (auto request = co_await c.read_request()) {
      requests.add(*request);
      if (++n == 2) {
        co_await c.write("HTTP/1.1 200 OK\r\nContent-Le");
        c.close();
        co_return;
      }
      co_await c.write(http_response(200, "OK", "{}"));
    }
  });
  RestClient client(unix_host(aicd.path()));

  ASSERT_TRUE(client.request("POST", "/v1/projects/demo/stop"));
  auto second = client.request("POST", "/v1/projects/demo/stop");

  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(second.error().message(), "dropped the connection during POST"))
      << second.error().message();
  EXPECT_EQ(requests.all().size(), 2u);
  EXPECT_EQ(aicd.accepted(), 1);
}

TEST(RestClientHttp, AnswerWithConnectionCloseIsNotReused) {
  FakeEngine aicd(engine::testing::answer_each_request(
      http_response(200, "OK", "{}", "Connection: close\r\n")));
  RestClient client(unix_host(aicd.path()));

  ASSERT_TRUE(client.request("GET", "/v1/version"));
  ASSERT_TRUE(client.request("GET", "/v1/version"));

  EXPECT_EQ(aicd.accepted(), 2);
}

TEST(RestClientHttp, SendsHostUserAgentAndAccept) {
  Requests requests;
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    while (auto request = co_await c.read_request()) {
      requests.add(*request);
      co_await c.write(http_response(200, "OK", "{}"));
    }
  });
  RestClient client(unix_host(aicd.path()));

  ASSERT_TRUE(client.request("DELETE", "v1/projects/demo"));

  ASSERT_EQ(requests.all().size(), 1u);
  const std::string request = requests.all()[0];
  EXPECT_EQ(request.rfind("DELETE /v1/projects/demo HTTP/1.1\r\n", 0), 0u) << request;
  EXPECT_TRUE(contains(request, "\r\nUser-Agent: aic\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nAccept: application/json\r\n")) << request;
  EXPECT_FALSE(contains(request, "Content-Length:")) << request;
}

TEST(RestClientHttp, PathWithALineBreakIsRefused) {
  RestClient client(unix_host("/nonexistent/aicd.sock"));

  auto response = client.request("GET", "/v1/x HTTP/1.1\r\nX-Evil: 1");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::InvalidSpec);
}

// --- request(): bodies ----------------------------------------------------------------------

TEST(RestClientHttp, ReadsAChunkedAnswer) {
  FakeEngine aicd(engine::testing::answer_each_request(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(R"({"name":)") +
      chunk(R"("demo"})") + "0\r\nX-Trailer: ignored\r\n\r\n"));
  RestClient client(unix_host(aicd.path()));

  for (int i = 0; i < 2; ++i) {
    auto response = client.request("GET", "/v1/projects/demo");
    ASSERT_TRUE(response) << response.error().describe();
    EXPECT_EQ(response->json()["name"], "demo");
  }
  EXPECT_EQ(aicd.accepted(), 1);
}

TEST(RestClientHttp, ReadsAnAnswerEndedByClosingTheConnection) {
  FakeEngine aicd(engine::testing::answer_once_then_close(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + std::string(R"({"ok":1})")));
  RestClient client(unix_host(aicd.path()));

  for (int i = 0; i < 2; ++i) {
    auto response = client.request("GET", "/v1/version");
    ASSERT_TRUE(response) << response.error().describe();
    EXPECT_EQ(response->json()["ok"], 1);
  }
  EXPECT_EQ(aicd.accepted(), 2);
}

TEST(RestClientHttp, HeadAndNoContentAnswersHaveNoBody) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    (void)co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"); // HEAD: no body
    (void)co_await c.read_request();
    co_await c.write("HTTP/1.1 204 No Content\r\n\r\n");
    (void)co_await c.read_request();
    co_await c.write(http_response(200, "OK", "{}"));
    co_await c.stall();
  });
  RestClient client(unix_host(aicd.path()));

  auto head = client.request("HEAD", "/v1/version", std::nullopt, 2s);
  auto empty = client.request("POST", "/v1/x", std::nullopt, 2s);
  auto last = client.request("GET", "/v1/version", std::nullopt, 2s);

  ASSERT_TRUE(head) << head.error().describe();
  ASSERT_TRUE(empty) << empty.error().describe();
  ASSERT_TRUE(last) << last.error().describe();
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(empty->status, 204);
  EXPECT_EQ(last->body, "{}");
  EXPECT_EQ(aicd.accepted(), 1);
}

TEST(RestClientHttp, SkipsAnInterimAnswer) {
  FakeEngine aicd(engine::testing::answer_each_request("HTTP/1.1 100 Continue\r\n\r\n" +
                                                       http_response(200, "OK", "{}")));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->status, 200);
}

TEST(RestClientHttp, ReadsABodyOfManyReads) {
  std::string big(3 << 20, 'a');
  for (std::size_t i = 0; i < big.size(); i += 4099) {
    big[i] = 'b';
  }
  const std::string body = "\"" + big + "\"";
  FakeEngine aicd(engine::testing::answer_each_request(http_response(200, "OK", body)));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/big");

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->body, body);
}

TEST(RestClientHttp, AnswerCutBeforeItsLengthIsAnError) {
  FakeEngine aicd(engine::testing::answer_once_then_close(
      "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cut\":"));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_TRUE(contains(response.error().message(), "dropped the connection during GET"))
      << response.error().message();
}

TEST(RestClientHttp, ABodyTricklingPastTheTimeoutIsATimeout) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    for (int i = 0; i < 1000; ++i) {
      co_await c.write("x");
      co_await c.pause(20ms);
    }
  });
  RestClient client(unix_host(aicd.path()));

  const auto start = std::chrono::steady_clock::now();
  auto response = client.request("GET", "/v1/slow", std::nullopt, 300ms);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
}

TEST(RestClientHttp, MalformedAnswerIsInternal) {
  FakeEngine aicd(engine::testing::answer_once_then_close("SSH-2.0-OpenSSH\r\n\r\n"));
  RestClient client(unix_host(aicd.path()));

  auto response = client.request("GET", "/v1/version");

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Internal);
}

// --- stream() ---------------------------------------------------------------------------------

TEST(RestClientHttp, StreamFollowsAnAnswerEndedByClosingTheConnection) {
  FakeEngine aicd(engine::testing::answer_once_then_close(
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n\r\n{\"n\":1}\r\n\n{\"n\":2}"));
  RestClient client(unix_host(aicd.path()));
  std::vector<std::string> lines;

  auto result = client.stream("GET", "/v1/events", std::nullopt, [&](std::string_view line) {
    lines.emplace_back(line);
    return true;
  });

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(lines, (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
}

// --- download() -------------------------------------------------------------------------------

TEST(RestClientDownload, GivesTheHeadersThenEachPiece) {
  std::string tar(200'000, 't');
  FakeEngine aicd(engine::testing::answer_each_request(
      "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nX-Aic-Path-Stat: e30=\r\n"
      "Transfer-Encoding: chunked\r\n\r\n" +
      chunk(tar.substr(0, 100'000)) + chunk(tar.substr(100'000)) + "0\r\n\r\n"));
  RestClient client(unix_host(aicd.path()));
  std::map<std::string, std::string> headers;
  std::string data;
  bool data_before_headers = false;

  auto result = client.download(
      "/v1/projects/demo/archive?path=/etc",
      [&](const std::map<std::string, std::string>& h) {
        headers = h;
        return true;
      },
      [&](std::string_view bytes) {
        data_before_headers = data_before_headers || headers.empty();
        data.append(bytes);
        return true;
      });

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_FALSE(data_before_headers);
  EXPECT_EQ(headers["x-aic-path-stat"], "e30=");
  EXPECT_EQ(headers["content-type"], "application/x-tar");
  EXPECT_EQ(data, tar);
}

TEST(RestClientDownload, AnswerCutBeforeItsEndIsAnError) {
  FakeEngine aicd(engine::testing::answer_once_then_close(
      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(10, 'x')));
  RestClient client(unix_host(aicd.path()));
  std::string data;

  auto result = client.download(
      "/v1/archive", [](const auto&) { return true; },
      [&](std::string_view bytes) {
        data.append(bytes);
        return true;
      });

  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(data, std::string(10, 'x'));
}

TEST(RestClientDownload, StopsPromptlyWhenCancelled) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nabc");
    co_await c.stall();
  });
  RestClient client(unix_host(aicd.path()));
  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(150ms);
    cancel = true;
  });

  const auto start = std::chrono::steady_clock::now();
  auto result = client.download(
      "/v1/archive", [](const auto&) { return true; }, [](std::string_view) { return true; },
      &cancel);
  const auto took = std::chrono::steady_clock::now() - start;
  canceller.join();

  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_LT(took, 1s);
}

TEST(RestClientDownload, ErrorStatusIsDecodedFromTheEnvelope) {
  FakeEngine aicd(engine::testing::answer_each_request(http_response(
      404, "Not Found", R"({"error":{"code":"not_found","message":"no such path"}})")));
  RestClient client(unix_host(aicd.path()));
  bool headers_seen = false;

  auto result = client.download(
      "/v1/archive",
      [&](const auto&) {
        headers_seen = true;
        return true;
      },
      [](std::string_view) { return true; });

  ASSERT_FALSE(result);
  EXPECT_FALSE(headers_seen);
  EXPECT_EQ(result.error().code(), ErrorCode::NotFound);
  EXPECT_EQ(result.error().message(), "no such path");
}

// --- upload() ---------------------------------------------------------------------------------

TEST(RestClientUpload, SendsTheBodyAsItIsWithItsType) {
  Requests requests;
  FakeEngine aicd([&](ServerConnection& c) -> asio::awaitable<void> {
    while (auto request = co_await c.read_request()) {
      requests.add(*request);
      co_await c.write(http_response(200, "OK", R"({"copied":true})"));
    }
  });
  RestClient client(unix_host(aicd.path()), "s3cret");
  std::string tar(300'000, '\0');
  for (std::size_t i = 0; i < tar.size(); ++i) {
    tar[i] = static_cast<char>(i % 251);
  }

  auto response = client.upload("PUT", "/v1/projects/demo/archive", "application/x-tar", tar, 5s);

  ASSERT_TRUE(response) << response.error().describe();
  EXPECT_EQ(response->json()["copied"], true);
  ASSERT_EQ(requests.all().size(), 1u);
  const std::string request = requests.all()[0];
  EXPECT_TRUE(contains(request, "\r\nContent-Type: application/x-tar\r\n")) << request;
  EXPECT_TRUE(contains(request, "\r\nAuthorization: Bearer s3cret\r\n")) << request;
  EXPECT_EQ(request.substr(request.find("\r\n\r\n") + 4), tar);
}

TEST(RestClientUpload, AnAnswerSentBeforeTheBodyWasReadIsStillReported) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_until("\r\n\r\n")) {
      co_return;
    }
    co_await c.write(http_response(
        409, "Conflict", R"({"error":{"code":"conflict","message":"the container is gone"}})",
        "Connection: close\r\n"));
    c.close();
  });
  RestClient client(unix_host(aicd.path()));
  const std::string tar(std::size_t{16} << 20, 'x');

  auto response = client.upload("PUT", "/v1/archive", "application/x-tar", tar, 5s);

  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::Conflict) << response.error().describe();
  EXPECT_EQ(response.error().message(), "the container is gone");
}

// --- UpgradedConnection -----------------------------------------------------------------------

TEST(UpgradedConnection, HandsOverTheSocketWithTheBytesAfterTheHead) {
  FakeEngine aicd([](ServerConnection& c) -> asio::awaitable<void> {
    if (!co_await c.read_request()) {
      co_return;
    }
    co_await c.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                     "Upgrade: tcp\r\n\r\nearly");
    co_await c.write(" bytes");
    co_await c.stall();
  });

  auto connection = UpgradedConnection::open(unix_host(aicd.path()), "", "/v1/exec/x/start", 5s);

  ASSERT_TRUE(connection) << connection.error().describe();
  std::string raw = connection->take_leftover();
  char buffer[64];
  while (raw.size() < 11) {
    const ssize_t n = ::recv(connection->fd(), buffer, sizeof(buffer), 0);
    ASSERT_GT(n, 0);
    raw.append(buffer, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(raw, "early bytes");
}

TEST(UpgradedConnection, RefusalIsTheErrorOfItsEnvelope) {
  FakeEngine aicd(engine::testing::answer_each_request(http_response(
      409, "Conflict", R"({"error":{"code":"conflict","message":"exec x already started"}})")));

  auto connection = UpgradedConnection::open(unix_host(aicd.path()), "", "/v1/exec/x/start", 5s);

  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code(), ErrorCode::Conflict);
  EXPECT_EQ(connection.error().message(), "exec x already started");
}

TEST(UpgradedConnection, MissingSocketIsEngineUnavailableWithHints) {
  auto connection =
      UpgradedConnection::open(unix_host("/nonexistent-aic-dir/aicd.sock"), "", "/x", 1s);

  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(connection.error().message(), "cannot connect to aicd at "
                                          "unix:///nonexistent-aic-dir/aicd.sock: no such file or "
                                          "directory");
  EXPECT_FALSE(connection.error().details().empty());
}

} // namespace
} // namespace aic::cli
