// The dashboard's static files: embedded byte for byte, served with their headers, and the only
// requests that need no token on TCP.

#include "api/responder.hpp"
#include "api/web_assets.hpp"
#include "api/web_routes.hpp"
#include "api_test_support.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>

namespace aic::api {
namespace {

using namespace testing;

const std::string kToken = "s3cret-token";
const std::string kAuth = "Authorization: Bearer " + kToken + "\r\n";

std::string source_file(const std::string& relative) {
  std::ifstream in(std::string(AIC_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(WebAssets, EmbedsTheFilesOfWebByteForByte) {
  std::set<std::string> paths;
  for (const WebAsset& asset : web_assets()) {
    paths.insert(std::string(asset.path));
    const std::string on_disk = source_file("web" + std::string(asset.path));
    ASSERT_FALSE(on_disk.empty()) << asset.path;
    EXPECT_EQ(asset.body, on_disk) << asset.path;
  }
  EXPECT_EQ(paths, (std::set<std::string>{"/app.js", "/index.html", "/style.css"}));
}

TEST(WebAuth, OnlyGetsOfTheDashboardFilesNeedNoToken) {
  using http::verb;
  for (const char* target : {"/", "/index.html", "/app.js", "/style.css", "/?x=1", "/app.js?v=2"}) {
    EXPECT_TRUE(is_public_request(verb::get, target)) << target;
  }
  for (const char* target :
       {"/v1/projects", "/v1/events", "/metrics", "/favicon.ico", "/app.js/", "//app.js",
        "/app%2Ejs", "/index.html/../v1/projects", "/style.css.map", "/APP.JS", "", "app.js",
        "http://127.0.0.1/app.js", "/v1/version?x=/app.js"}) {
    EXPECT_FALSE(is_public_request(verb::get, target)) << target;
  }
  for (verb method : {verb::post, verb::put, verb::delete_, verb::head, verb::options}) {
    EXPECT_FALSE(is_public_request(method, "/")) << http::to_string(method);
    EXPECT_FALSE(is_public_request(method, "/app.js")) << http::to_string(method);
  }
}

/// A TCP server with the dashboard and one data route.
class WebServer : public ::testing::Test {
protected:
  void SetUp() override {
    Router router;
    add_web_routes(router);
    router.add(http::verb::get, "/v1/version", [](Request&, Responder& r) -> asio::awaitable<void> {
      const nlohmann::json body = {{"version", "test"}};
      co_await r.respond_json(200, body);
    });
    router.add(http::verb::post, "/v1/projects/{name}/stop",
               [](Request&, Responder& r) -> asio::awaitable<void> {
                 const nlohmann::json body = {{"stopped", true}};
                 co_await r.respond_json(200, body);
               });
    ServerOptions options;
    options.unix_socket_path = dir_.file("aicd.sock");
    options.tcp_listen = "127.0.0.1:0";
    options.token = kToken;
    server_ = std::make_unique<ServerHarness>(options, std::move(router));
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().describe();
  }

  Response get(const std::string& target, const std::string& headers = "") {
    return Client::tcp(server_->tcp_port()).request("GET", target, "", headers);
  }

  TempDir dir_;
  std::unique_ptr<ServerHarness> server_;
};

TEST_F(WebServer, ServesTheDashboardOverTcpWithoutAToken) {
  const std::string index = source_file("web/index.html");
  for (const char* target : {"/", "/index.html"}) {
    const Response page = get(target);
    ASSERT_EQ(page.status, 200) << target;
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_EQ(page.header("cache-control"), "no-cache");
    EXPECT_EQ(page.header("x-content-type-options"), "nosniff");
    EXPECT_EQ(page.header("content-security-policy"), kDashboardCsp);
    EXPECT_EQ(page.body, index);
  }
  const Response script = get("/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(script.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(script.body, source_file("web/app.js"));
  const Response style = get("/style.css");
  ASSERT_EQ(style.status, 200);
  EXPECT_EQ(style.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(style.body, source_file("web/style.css"));
  // A token, when sent anyway, changes nothing.
  EXPECT_EQ(get("/app.js", kAuth).status, 200);
}

TEST_F(WebServer, EverythingElseStillNeedsTheToken) {
  EXPECT_EQ(get("/v1/version").status, 401);
  EXPECT_EQ(get("/v1/version", kAuth).status, 200);
  EXPECT_EQ(get("/favicon.ico").status, 401);
  EXPECT_EQ(get("/app.js/").status, 401);
  EXPECT_EQ(get("/index.html/../v1/version").status, 401);
  // Other methods on the dashboard's paths are not exempt either.
  const Response post = Client::tcp(server_->tcp_port()).request("POST", "/", "{}");
  EXPECT_EQ(post.status, 401);
  const Response stop = Client::tcp(server_->tcp_port()).request("POST", "/v1/projects/a/stop");
  EXPECT_EQ(stop.status, 401);
  // With the token, an unknown path is an ordinary 404 and a wrong method a 405.
  EXPECT_EQ(get("/favicon.ico", kAuth).status, 404);
  const Response put = Client::tcp(server_->tcp_port()).request("PUT", "/app.js", "x", kAuth);
  EXPECT_EQ(put.status, 405);
}

TEST_F(WebServer, TheUnixSocketServesTheDashboardToo) {
  const Response page = Client::unix_socket(dir_.file("aicd.sock")).request("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, source_file("web/index.html"));
}

} // namespace
} // namespace aic::api
