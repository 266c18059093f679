// The Beast transport, spoken to over a plain TCP socket.
#include "http_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace inference {
namespace {

using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.body_limit = 1024;
    server = std::make_unique<HttpServer>(service, options);
    ASSERT_EQ(server->listen(), "");
    runner = std::thread([this] { server->run(); });
  }
  void TearDown() override {
    server->stop();
    runner.join();
  }

  int connect_client() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(server->port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
  }
  static void send_all(int fd, const std::string& data) {
    ASSERT_EQ(::send(fd, data.data(), data.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(data.size()));
  }
  // Reads one response (headers and a Content-Length body).
  static std::string read_response(int fd) {
    std::string data;
    char buf[4096];
    for (;;) {
      const auto end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto cl = data.find("Content-Length: ");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(data.substr(cl + 16));
        if (data.size() >= end + 4 + length)
          return data.substr(0, end + 4 + length);
      }
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        return data;
      data.append(buf, static_cast<std::size_t>(n));
    }
  }

  Metrics metrics;
  Service service{ServiceOptions{}, metrics};
  std::unique_ptr<HttpServer> server;
  std::thread runner;
};

TEST_F(HttpServerTest, AnswersSeveralRequestsOnOneKeepAliveConnection) {
  const int fd = connect_client();
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  auto first = read_response(fd);
  EXPECT_EQ(first.rfind("HTTP/1.1 503", 0), 0U) << first;
  EXPECT_NE(first.find("\"starting\""), std::string::npos);
  send_all(fd, "GET /info HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = read_response(fd);
  EXPECT_EQ(second.rfind("HTTP/1.1 200", 0), 0U) << second;
  EXPECT_NE(second.find("Content-Type: application/json"), std::string::npos);
  ::close(fd);
}

TEST_F(HttpServerTest, RefusesABodyOverTheLimitWith413) {
  const int fd = connect_client();
  const std::string body(4096, 'x');
  send_all(fd, "POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 413", 0), 0U) << r;
  EXPECT_NE(r.find("larger than 1024 bytes"), std::string::npos);
  ::close(fd);
}

TEST_F(HttpServerTest, HeadAnswersTheGetHeadersWithoutTheBody) {
  const int fd = connect_client();
  send_all(fd, "GET /info HTTP/1.1\r\nHost: x\r\n\r\n");
  auto get = read_response(fd);
  const auto get_length = get.substr(get.find("Content-Length: ") + 16);
  send_all(fd, "HEAD /info HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    head.append(buf, static_cast<std::size_t>(n));
  }
  EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0U) << head;
  EXPECT_EQ(std::stoul(head.substr(head.find("Content-Length: ") + 16)), std::stoul(get_length));
  EXPECT_EQ(head.substr(head.find("\r\n\r\n") + 4), ""); // no body follows the headers
  ::close(fd);
}

TEST_F(HttpServerTest, AMalformedRequestIsA400) {
  const int fd = connect_client();
  send_all(fd, "GET /health HTTP/1.1\r\nHost x\r\n\r\n"); // a header without its colon
  auto r = read_response(fd);
  EXPECT_EQ(r.rfind("HTTP/1.1 400", 0), 0U) << r;
  ::close(fd);
}

TEST_F(HttpServerTest, TheHealthProbeReadsTheStatus) {
  EXPECT_EQ(http_get_status("127.0.0.1", server->port(), "/health", 2s), 503U);
  EXPECT_EQ(http_get_status("127.0.0.1", server->port(), "/info", 2s), 200U);
}

TEST(HttpGetStatus, IsZeroWhenNothingListens) {
  // Port 1 on loopback: nothing listens there in a test environment.
  EXPECT_EQ(http_get_status("127.0.0.1", 1, "/health", 2s), 0U);
}

} // namespace
} // namespace inference
