#include "api/responder.hpp"
#include "api/session.hpp"
#include "api_test_support.hpp"

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <grp.h>
#include <gtest/gtest.h>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <vector>

namespace aic::api {
namespace {

using namespace testing;
using nlohmann::json;
using namespace std::chrono_literals;

Router ok_router() {
  Router router;
  router.add(http::verb::get, "/v1/version",
             [](Request& request, Responder& r) -> asio::awaitable<void> {
               const json body = {{"tcp", request.transport == Transport::Tcp}};
               co_await r.respond_json(200, body);
             });
  return router;
}

ServerOptions unix_options(const std::string& path) {
  ServerOptions options;
  options.unix_socket_path = path;
  return options;
}

mode_t mode_of(const std::string& path) {
  struct stat info {};
  EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
  return info.st_mode;
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0;
}

/// Leaves a socket file behind with nobody listening on it, as a crashed aicd does.
void make_stale_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  ::close(fd);
}

TEST(ServerListen, UnixSocketGetsMode0660ByDefault) {
  TempDir dir;
  ServerHarness server(unix_options(dir.file("aicd.sock")), ok_router());
  ASSERT_TRUE(server.start());
  const mode_t mode = mode_of(dir.file("aicd.sock"));
  EXPECT_TRUE(S_ISSOCK(mode));
  EXPECT_EQ(mode & 07777, 0660u);
}

TEST(ServerListen, UnixSocketTakesConfiguredModeAndGroup) {
  TempDir dir;
  const group* own = ::getgrgid(::getegid());
  ASSERT_NE(own, nullptr);
  ServerOptions options = unix_options(dir.file("aicd.sock"));
  options.unix_socket_mode = 0600;
  options.unix_socket_group = std::string(own->gr_name);
  ServerHarness server(std::move(options), ok_router());
  auto started = server.start();
  ASSERT_TRUE(started) << started.error().describe();
  struct stat info {};
  ASSERT_EQ(::lstat(dir.file("aicd.sock").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0600u);
  EXPECT_EQ(info.st_gid, ::getegid());
}

TEST(ServerListen, RefusesWorldWritableModeAndUnknownGroup) {
  TempDir dir;
  ServerOptions world = unix_options(dir.file("aicd.sock"));
  world.unix_socket_mode = 0666;
  ServerHarness first(std::move(world), ok_router());
  auto refused = first.start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::InvalidSpec);
  EXPECT_NE(refused.error().message().find("0666"), std::string::npos);
  EXPECT_FALSE(exists(dir.file("aicd.sock")));

  ServerOptions unknown = unix_options(dir.file("aicd.sock"));
  unknown.unix_socket_group = "no-such-group-aic-test";
  ServerHarness second(std::move(unknown), ok_router());
  auto no_group = second.start();
  ASSERT_FALSE(no_group);
  EXPECT_EQ(no_group.error().code(), ErrorCode::InvalidSpec);
  EXPECT_FALSE(exists(dir.file("aicd.sock")));
}

TEST(ServerListen, CreatesMissingParentDirectories) {
  TempDir dir;
  const std::string path = dir.file("run/aic/aicd.sock");
  ServerHarness server(unix_options(path), ok_router());
  ASSERT_TRUE(server.start());
  EXPECT_EQ(mode_of(dir.file("run")) & 07777, 0755u);
  EXPECT_EQ(mode_of(dir.file("run/aic")) & 07777, 0755u);
  EXPECT_EQ(Client::unix_socket(path).request("GET", "/v1/version").status, 200);
}

TEST(ServerListen, ReplacesStaleSocketFile) {
  TempDir dir;
  const std::string path = dir.file("aicd.sock");
  make_stale_socket(path);
  ASSERT_TRUE(exists(path));
  ServerHarness server(unix_options(path), ok_router());
  auto started = server.start();
  ASSERT_TRUE(started) << started.error().describe();
  EXPECT_EQ(Client::unix_socket(path).request("GET", "/v1/version").status, 200);
}

TEST(ServerListen, RefusesToStartWhenAnotherServerListens) {
  TempDir dir;
  const std::string path = dir.file("aicd.sock");
  ServerHarness live(unix_options(path), ok_router());
  ASSERT_TRUE(live.start());
  ServerHarness second(unix_options(path), ok_router());
  auto refused = second.start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::Conflict);
  EXPECT_EQ(refused.error().message(), "another aicd is listening on " + path);
  EXPECT_EQ(Client::unix_socket(path).request("GET", "/v1/version").status, 200);
}

TEST(ServerListen, RefusesPathThatIsNotASocket) {
  TempDir dir;
  const std::string path = dir.file("aicd.sock");
  std::ofstream(path) << "keep me";
  ServerHarness server(unix_options(path), ok_router());
  auto refused = server.start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::Conflict);
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  EXPECT_EQ(content, "keep me");
}

TEST(ServerListen, StopRemovesSocketFileAndClosesIdleConnections) {
  TempDir dir;
  const std::string path = dir.file("aicd.sock");
  ServerHarness server(unix_options(path), ok_router());
  ASSERT_TRUE(server.start());
  Client client = Client::unix_socket(path);
  EXPECT_EQ(client.request("GET", "/v1/version").status, 200);
  server.stop();
  EXPECT_FALSE(exists(path));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(ServerListen, StopLeavesAnotherServersSocketFileAlone) {
  TempDir dir;
  const std::string path = dir.file("aicd.sock");
  ServerHarness server(unix_options(path), ok_router());
  ASSERT_TRUE(server.start());
  ::unlink(path.c_str());
  make_stale_socket(path); // someone else's file now
  server.stop();
  EXPECT_TRUE(exists(path));
}

TEST(ServerListen, TcpRequestsNeedTheBearerToken) {
  TempDir dir;
  ServerHarness server(tcp_options(dir.file("aicd.sock")), ok_router());
  auto started = server.start();
  ASSERT_TRUE(started) << started.error().describe();
  ASSERT_NE(server.tcp_port(), 0);

  const Response missing = Client::tcp(server.tcp_port()).request("GET", "/v1/version");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.header("www-authenticate"), "Bearer");
  const json error = json::parse(missing.body).at("error");
  EXPECT_EQ(error.at("code"), "unauthorized");
  EXPECT_FALSE(error.at("message").get<std::string>().empty());

  const Response wrong = Client::tcp(server.tcp_port())
                             .request("GET", "/v1/version", "", "Authorization: Bearer s3cret\r\n");
  EXPECT_EQ(wrong.status, 401);
  const Response basic =
      Client::tcp(server.tcp_port())
          .request("GET", "/v1/version", "", "Authorization: Basic s3cret-token\r\n");
  EXPECT_EQ(basic.status, 401);

  Client client = Client::tcp(server.tcp_port());
  const std::string auth = "Authorization: Bearer s3cret-token\r\n";
  const Response right = client.request("GET", "/v1/version", "", auth);
  EXPECT_EQ(right.status, 200);
  EXPECT_EQ(json::parse(right.body).at("tcp"), true);
  EXPECT_EQ(client.request("GET", "/v1/version", "", auth).status, 200); // keep-alive
  EXPECT_EQ(client.request("GET", "/v1/version").status, 401);           // every request
}

TEST(ServerListen, UnixRequestsNeedNoToken) {
  TempDir dir;
  ServerHarness server(tcp_options(dir.file("aicd.sock")), ok_router());
  ASSERT_TRUE(server.start());
  const Response response =
      Client::unix_socket(dir.file("aicd.sock")).request("GET", "/v1/version");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body).at("tcp"), false);
}

TEST(ServerListen, RefusesBadListenerOptions) {
  ServerOptions none;
  ServerHarness no_listener(none, ok_router());
  auto refused = no_listener.start();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::InvalidSpec);

  ServerOptions tokenless;
  tokenless.tcp_listen = "127.0.0.1:0";
  ServerHarness no_token(tokenless, ok_router());
  auto token_refused = no_token.start();
  ASSERT_FALSE(token_refused);
  EXPECT_NE(token_refused.error().message().find("token"), std::string::npos);

  for (const char* address : {"127.0.0.1", "127.0.0.1:99999", "127.0.0.1:x", ":80"}) {
    ServerOptions bad;
    bad.tcp_listen = address;
    bad.token = "t";
    ServerHarness server(bad, ok_router());
    auto result = server.start();
    ASSERT_FALSE(result) << address;
    EXPECT_EQ(result.error().code(), ErrorCode::InvalidSpec) << address;
  }
}

/// A router whose /slow handler tells `started` it runs, then answers after `hold`.
Router slow_router(std::shared_ptr<std::atomic<int>> started, std::chrono::milliseconds hold) {
  Router router = ok_router();
  router.add(http::verb::get, "/slow",
             [started, hold](Request&, Responder& r) -> asio::awaitable<void> {
               ++*started;
               asio::steady_timer timer(co_await asio::this_coro::executor, hold);
               co_await timer.async_wait(asio::use_awaitable);
               const json body = {{"slow", true}};
               co_await r.respond_json(200, body);
             });
  return router;
}

TEST(ServerListen, AConnectionWaitingForARequestMakesRoomForANewOne) {
  TempDir dir;
  LogLines log;
  ServerOptions options = unix_options(dir.file("aicd.sock"));
  options.max_connections = 2;
  options.log = log.sink();
  ServerHarness server(std::move(options), ok_router());
  ASSERT_TRUE(server.start());
  Client idle = Client::unix_socket(dir.file("aicd.sock"));
  EXPECT_EQ(idle.request("GET", "/v1/version").status, 200); // now waits for the next one
  Client slow = Client::unix_socket(dir.file("aicd.sock"));
  slow.send("GET /v1/version HTTP/1.1\r\nHost: a"); // a head that never ends
  ASSERT_TRUE(wait_for([&] { return server.connections() == 2; }));

  // Two newcomers, kept open, take the places of the two that waited for a request head. (Which
  // goes first depends on when the idle connection's session turned back to waiting after its
  // answer.)
  Client first = Client::unix_socket(dir.file("aicd.sock"));
  EXPECT_EQ(first.request("GET", "/v1/version").status, 200);
  Client second = Client::unix_socket(dir.file("aicd.sock"));
  EXPECT_EQ(second.request("GET", "/v1/version").status, 200);
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_NE(log.all().find("without a request, to make room"), std::string::npos) << log.all();
}

TEST(ServerListen, ConnectionsOverTheLimitGet503WhenAllAreServing) {
  TempDir dir;
  ServerOptions options = unix_options(dir.file("aicd.sock"));
  options.max_connections = 1;
  auto started = std::make_shared<std::atomic<int>>(0);
  ServerHarness server(std::move(options), slow_router(started, 1500ms));
  ASSERT_TRUE(server.start());
  {
    Client busy = Client::unix_socket(dir.file("aicd.sock"));
    busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(wait_for([&] { return *started == 1; }));
    Client second = Client::unix_socket(dir.file("aicd.sock"));
    const Response refused = second.read_response();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(json::parse(refused.body).at("error").at("code"), "unavailable");
    EXPECT_EQ(busy.read_response().status, 200);
  }
  ASSERT_TRUE(wait_for([&] { return server.connections() == 0; }));
  EXPECT_EQ(Client::unix_socket(dir.file("aicd.sock")).request("GET", "/v1/version").status, 200);
}

TEST(ServerListen, OneClientsRequestsInProgressAreLimited) {
  TempDir dir;
  ServerOptions options = unix_options(dir.file("aicd.sock"));
  options.max_requests_per_client = 2;
  auto started = std::make_shared<std::atomic<int>>(0);
  ServerHarness server(std::move(options), slow_router(started, 1500ms));
  ASSERT_TRUE(server.start());
  Client first = Client::unix_socket(dir.file("aicd.sock"));
  Client second = Client::unix_socket(dir.file("aicd.sock"));
  first.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
  second.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(wait_for([&] { return *started == 2; }));

  Client third = Client::unix_socket(dir.file("aicd.sock"));
  const Response refused = third.request("GET", "/v1/version");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.header("retry-after"), "1");
  const json error = json::parse(refused.body).at("error");
  EXPECT_EQ(error.at("code"), "too_many_requests");
  EXPECT_NE(error.at("message").get<std::string>().find("2 requests in progress"),
            std::string::npos)
      << error.dump();

  // The refusal keeps the connection; once the others finish, it is served.
  EXPECT_EQ(first.read_response().status, 200);
  EXPECT_EQ(second.read_response().status, 200);
  EXPECT_EQ(third.request("GET", "/v1/version").status, 200);
}

TEST(ServerListen, RequestsWhoseClientLeftDoNotHoldItsSlots) {
  TempDir dir;
  ServerOptions options = unix_options(dir.file("aicd.sock"));
  options.max_requests_per_client = 2;
  auto started = std::make_shared<std::atomic<int>>(0);
  ServerHarness server(std::move(options), slow_router(started, 1500ms));
  ASSERT_TRUE(server.start());
  {
    Client first = Client::unix_socket(dir.file("aicd.sock"));
    Client second = Client::unix_socket(dir.file("aicd.sock"));
    first.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    second.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
    ASSERT_TRUE(wait_for([&] { return *started == 2; }));
  } // both clients give up; their handlers still run
  EXPECT_EQ(Client::unix_socket(dir.file("aicd.sock")).request("GET", "/v1/version").status, 200);
  Client third = Client::unix_socket(dir.file("aicd.sock"));
  third.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
  Client fourth = Client::unix_socket(dir.file("aicd.sock"));
  fourth.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(wait_for([&] { return *started == 4; }));
  // Two live requests hold both slots.
  EXPECT_EQ(Client::unix_socket(dir.file("aicd.sock")).request("GET", "/v1/version").status, 429);
  EXPECT_EQ(third.read_response().status, 200);
  EXPECT_EQ(fourth.read_response().status, 200);
}

TEST(ServerListen, RefusedTokensAreLoggedWithoutTheToken) {
  TempDir dir;
  LogLines log;
  ServerOptions options = tcp_options(dir.file("aicd.sock"));
  options.log = log.sink();
  ServerHarness server(std::move(options), ok_router());
  ASSERT_TRUE(server.start());
  EXPECT_EQ(Client::tcp(server.tcp_port())
                .request("GET", "/v1/version?x=1", "", "Authorization: Bearer guess-4711\r\n")
                .status,
            401);
  EXPECT_EQ(Client::tcp(server.tcp_port()).request("DELETE", "/v1/projects/p").status, 401);
  ASSERT_TRUE(wait_for([&] { return log.all().find("DELETE") != std::string::npos; }));
  const std::string logged = log.all();
  EXPECT_NE(logged.find("refused GET /v1/version from 127.0.0.1:"), std::string::npos) << logged;
  EXPECT_NE(logged.find("wrong API token (401)"), std::string::npos) << logged;
  EXPECT_NE(logged.find("refused DELETE /v1/projects/p from 127.0.0.1:"), std::string::npos)
      << logged;
  EXPECT_NE(logged.find("no API token (401)"), std::string::npos) << logged;
  EXPECT_EQ(logged.find("guess-4711"), std::string::npos) << logged;
}

TEST(LogLimiter, LetsABurstThroughThenCountsWhatItHeldBack) {
  LogLimiter limiter(3, 10s);
  const auto t0 = std::chrono::steady_clock::time_point() + 1h;
  int admitted = 0;
  for (int i = 0; i < 10; ++i) {
    admitted += limiter.admit("m", t0 + std::chrono::seconds(i % 2)) ? 1 : 0;
  }
  EXPECT_EQ(admitted, 3);
  EXPECT_FALSE(limiter.admit("m", t0 + 9s));
  const auto next = limiter.admit("next", t0 + 10s);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, "next (8 similar messages not logged before this one)");
  EXPECT_EQ(limiter.admit("again", t0 + 11s), std::optional<std::string>("again"));
}

} // namespace
} // namespace aic::api
