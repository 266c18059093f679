// aicd's TCP listener with TLS (api/tls.hpp): a real OpenSSL client that verifies the server's
// certificate against the test certificate in tests/fixtures/tls.

#include "api/responder.hpp"
#include "api_test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <string>

namespace aic::api {
namespace {

using namespace testing;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kTlsDir = std::string(AIC_FIXTURES_DIR) + "/tls/";

Router version_router() {
  Router router;
  router.add(http::verb::get, "/v1/version",
             [](Request& request, Responder& r) -> asio::awaitable<void> {
               const json body = {{"tcp", request.transport == Transport::Tcp}};
               co_await r.respond_json(200, body);
             });
  return router;
}

ServerOptions tls_options(const std::string& socket_path) {
  ServerOptions options = tcp_options(socket_path);
  options.tls_cert_file = kTlsDir + "server.pem";
  options.tls_key_file = kTlsDir + "server.key";
  return options;
}

int connect_tcp(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("connect failed");
  }
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  return fd;
}

/// What a TLS exchange came to.
struct TlsExchange {
  bool handshake = false;    ///< the handshake and the certificate's verification succeeded
  std::string received;      ///< every byte received until the end of the connection
  bool close_notify = false; ///< the server ended with a TLS close_notify, not a bare close
};

/// Connects with TLS 1.2+, verifying the server's certificate (trust anchor: the test
/// certificate; name: 127.0.0.1), sends `bytes`, and reads until the server closes.
TlsExchange tls_exchange(std::uint16_t port, const std::string& bytes) {
  TlsExchange out;
  SSL_CTX* context = ::SSL_CTX_new(::TLS_client_method());
  ::SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  ::SSL_CTX_load_verify_locations(context, (kTlsDir + "server.pem").c_str(), nullptr);
  ::SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  SSL* ssl = ::SSL_new(context);
  ::SSL_set1_host(ssl, "127.0.0.1");
  const int fd = connect_tcp(port);
  ::SSL_set_fd(ssl, fd);
  if (::SSL_connect(ssl) == 1 && ::SSL_get_verify_result(ssl) == X509_V_OK) {
    out.handshake = true;
    ::SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
    char buffer[4096];
    for (;;) {
      const int n = ::SSL_read(ssl, buffer, sizeof buffer);
      if (n <= 0) {
        out.close_notify = ::SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
        break;
      }
      out.received.append(buffer, static_cast<std::size_t>(n));
    }
  }
  ::ERR_clear_error();
  ::SSL_free(ssl);
  ::SSL_CTX_free(context);
  ::close(fd);
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

const std::string kAuth = "Authorization: Bearer s3cret-token\r\n";

TEST(ServerTls, ServesRequestsOverTlsWithTheToken) {
  TempDir dir;
  ServerHarness server(tls_options(dir.file("aicd.sock")), version_router());
  auto started = server.start();
  ASSERT_TRUE(started) << started.error().describe();

  // Two requests on one connection (keep-alive), the second closing it.
  const TlsExchange two =
      tls_exchange(server.tcp_port(), "GET /v1/version HTTP/1.1\r\nHost: x\r\n" + kAuth +
                                          "\r\nGET /v1/version HTTP/1.1\r\nHost: x\r\n" + kAuth +
                                          "Connection: close\r\n\r\n");
  ASSERT_TRUE(two.handshake);
  EXPECT_EQ(count(two.received, "HTTP/1.1 200 OK"), 2u) << two.received;
  EXPECT_EQ(count(two.received, R"({"tcp":true})"), 2u) << two.received;
  EXPECT_TRUE(two.close_notify);

  const TlsExchange no_token = tls_exchange(
      server.tcp_port(), "GET /v1/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(no_token.handshake);
  EXPECT_EQ(no_token.received.rfind("HTTP/1.1 401", 0), 0u) << no_token.received;

  // The unix socket is unchanged.
  EXPECT_EQ(Client::unix_socket(dir.file("aicd.sock")).request("GET", "/v1/version").status, 200);
}

TEST(ServerTls, PlainHttpOnTheTlsPortGetsNoAnswerAndIsLogged) {
  TempDir dir;
  LogLines log;
  ServerOptions options = tls_options(dir.file("aicd.sock"));
  options.log = log.sink();
  ServerHarness server(options, version_router());
  ASSERT_TRUE(server.start());

  Client plain = Client::tcp(server.tcp_port());
  plain.send("GET /v1/version HTTP/1.1\r\nHost: x\r\n" + kAuth + "\r\n");
  EXPECT_TRUE(plain.closed_by_server());
  EXPECT_TRUE(wait_for([&] {
    return log.all().find("TLS handshake with 127.0.0.1:") != std::string::npos;
  })) << log.all();
  EXPECT_TRUE(wait_for([&] { return server.connections() == 0; }));
}

TEST(ServerTls, AHandshakeThatNeverComesIsCutAfterTheHeaderTimeout) {
  TempDir dir;
  LogLines log;
  ServerOptions options = tls_options(dir.file("aicd.sock"));
  options.header_timeout = 1s;
  options.log = log.sink();
  ServerHarness server(options, version_router());
  ASSERT_TRUE(server.start());

  Client silent = Client::tcp(server.tcp_port());
  const auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_server(5s));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 4s);
  EXPECT_TRUE(wait_for([&] {
    return log.all().find("not finished within 1 s") != std::string::npos;
  })) << log.all();
}

TEST(ServerTls, AStreamingResponseReachesTheClientAndEndsWithIt) {
  TempDir dir;
  Router router;
  router.add(http::verb::get, "/v1/stream", [](Request&, Responder& r) -> asio::awaitable<void> {
    co_await r.start_stream(200, "text/plain");
    for (int i = 0; i < 200; ++i) {
      co_await r.write(std::string(1000, static_cast<char>('a' + i % 26)));
    }
    co_await r.finish();
  });
  ServerHarness server(tls_options(dir.file("aicd.sock")), std::move(router));
  ASSERT_TRUE(server.start());

  const TlsExchange streamed =
      tls_exchange(server.tcp_port(),
                   "GET /v1/stream HTTP/1.1\r\nHost: x\r\n" + kAuth + "Connection: close\r\n\r\n");
  ASSERT_TRUE(streamed.handshake);
  EXPECT_EQ(count(streamed.received, std::string(1000, 'z')), 7u); // i % 26 == 25: 7 times in 200
  EXPECT_NE(streamed.received.find("\r\n0\r\n\r\n"), std::string::npos) << "the last chunk";
  EXPECT_TRUE(streamed.close_notify);
}

TEST(ServerTls, BadTlsOptionsAreRefusedAtStartNamingTheFile) {
  TempDir dir;
  const auto start_error = [&](ServerOptions options) {
    ServerHarness server(std::move(options), version_router());
    auto started = server.start();
    return started ? std::string() : started.error().describe();
  };

  ServerOptions missing = tls_options(dir.file("a.sock"));
  missing.tls_cert_file = dir.file("nowhere.pem");
  EXPECT_NE(start_error(missing).find("cannot read the TLS certificate " + dir.file("nowhere.pem")),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("a.sock"))) << "nothing left behind";

  ServerOptions not_pem = tls_options(dir.file("b.sock"));
  not_pem.tls_cert_file = kTlsDir + "README.md";
  EXPECT_NE(start_error(not_pem).find("cannot use the TLS certificate " + kTlsDir + "README.md"),
            std::string::npos);

  ServerOptions mismatch = tls_options(dir.file("c.sock"));
  mismatch.tls_key_file = kTlsDir + "other.key";
  EXPECT_NE(start_error(mismatch).find("does not belong to the certificate"), std::string::npos)
      << start_error(mismatch);

  ServerOptions half = tls_options(dir.file("d.sock"));
  half.tls_key_file.clear();
  EXPECT_NE(start_error(half).find("both a certificate and a key"), std::string::npos);

  ServerOptions no_tcp = tls_options(dir.file("e.sock"));
  no_tcp.tcp_listen.reset();
  EXPECT_NE(start_error(no_tcp).find("TLS is for the TCP listener"), std::string::npos);
}

} // namespace
} // namespace aic::api
