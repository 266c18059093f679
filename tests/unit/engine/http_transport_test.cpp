#include "engine/http_transport.hpp"
#include "fake_engine.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>

namespace aic::engine {
namespace {

using namespace testing;
namespace asio = boost::asio;

asio::awaitable<void> drive(HttpTransport& transport, std::vector<HttpRequest> requests,
                            std::vector<Result<HttpResponse>>& results) {
  for (auto& request : requests) {
    results.push_back(co_await transport.request(std::move(request)));
  }
}

/// Runs the requests one after the other on a fresh io_context; returns every result.
std::vector<Result<HttpResponse>> run_requests(HttpTransport& transport, asio::io_context& io,
                                               std::vector<HttpRequest> requests) {
  std::vector<Result<HttpResponse>> results;
  asio::co_spawn(io, drive(transport, std::move(requests), results), asio::detached);
  io.run();
  io.restart();
  return results;
}

Result<HttpResponse> run_one(const std::string& socket_path, HttpRequest request) {
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(socket_path));
  auto results = run_requests(transport, io, {std::move(request)});
  EXPECT_EQ(results.size(), 1u);
  return std::move(results.front());
}

HttpRequest get(std::string target) {
  HttpRequest request;
  request.target = std::move(target);
  return request;
}

TEST(HttpTransport, ReadsContentLengthBody) {
  FakeEngine engine(
      answer_each_request("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                          "13\r\n\r\n{\"ok\":\"yes\"}\n"));
  auto result = run_one(engine.path(), get("/v1.41/info"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "{\"ok\":\"yes\"}\n");
  EXPECT_EQ(result->headers.at("content-type"), "application/json");
}

TEST(HttpTransport, ReadsChunkedBody) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"));
  auto result = run_one(engine.path(), get("/v1.41/version"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "hello, world");
}

TEST(HttpTransport, ReadsBodyDelimitedByConnectionClose) {
  FakeEngine engine(answer_once_then_close("HTTP/1.1 200 OK\r\n\r\nuntil the end"));
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(engine.path()));
  auto results = run_requests(transport, io, {get("/_ping")});
  ASSERT_TRUE(results.at(0)) << results.at(0).error().describe();
  EXPECT_EQ(results.at(0)->body, "until the end");
  EXPECT_EQ(transport.idle_connections(), 0u);
}

TEST(HttpTransport, ReusesKeepAliveConnection) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(engine.path()));
  auto results = run_requests(transport, io, {get("/_ping"), get("/_ping"), get("/_ping")});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->body, "OK");
  }
  EXPECT_EQ(engine.accepted(), 1);
  EXPECT_EQ(transport.idle_connections(), 1u);
}

TEST(HttpTransport, RetriesOnceWhenReusedConnectionWasClosed) {
  // Claims keep-alive but closes after each answer, like an engine dropping idle connections.
  FakeEngine engine(answer_once_then_close("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(engine.path()));
  auto results = run_requests(transport, io, {get("/_ping"), get("/_ping")});
  ASSERT_EQ(results.size(), 2u);
  for (const auto& result : results) {
    ASSERT_TRUE(result) << result.error().describe();
    EXPECT_EQ(result->body, "OK");
  }
  EXPECT_EQ(engine.accepted(), 2);
}

TEST(HttpTransport, StalledEngineTimesOut) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.stall();
  });
  HttpRequest request = get("/v1.41/info");
  request.deadline = std::chrono::milliseconds(200);
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Timeout);
  EXPECT_EQ(result.error().message(), "GET /v1.41/info: no answer within 200 ms");
}

TEST(HttpTransport, ConnectionDroppedMidBodyIsEngineUnavailable) {
  FakeEngine engine(
      answer_once_then_close("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly a part"));
  auto result = run_one(engine.path(), get("/v1.41/containers/json"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find(engine.path()), std::string::npos);
}

TEST(HttpTransport, OversizedBodyIsInternalError) {
  FakeEngine engine(answer_each_request(
      "HTTP/1.1 200 OK\r\nContent-Length: 32\r\n\r\n0123456789abcdef0123456789abcdef"));
  HttpRequest request = get("/v1.41/images/json");
  request.max_body_bytes = 16;
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Internal);
  EXPECT_EQ(result.error().message(), "response body exceeds 16 bytes");
}

TEST(HttpTransport, OversizedChunkedBodyIsInternalError) {
  FakeEngine engine(answer_each_request("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n"
                                        "0\r\n\r\n"));
  HttpRequest request = get("/v1.41/images/json");
  request.max_body_bytes = 20;
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::Internal);
}

TEST(HttpTransport, MissingSocketIsEngineUnavailableNamingThePath) {
  char dir_template[] = "/tmp/aic-http-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string path = std::string(dir_template) + "/missing.sock";
  auto result = run_one(path, get("/_ping"));
  std::filesystem::remove_all(dir_template);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find("cannot reach the Docker engine at unix://" + path),
            std::string::npos)
      << result.error().message();
}

TEST(HttpTransport, ServerErrorIsReturnedAsResponse) {
  FakeEngine engine(answer_each_request("HTTP/1.1 500 Internal Server Error\r\n"
                                        "Content-Type: application/json\r\nContent-Length: 24\r\n"
                                        "\r\n{\"message\":\"it broke\"}\r\n"));
  auto result = run_one(engine.path(), get("/v1.41/containers/x/json"));
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 500);
  EXPECT_EQ(result->body, "{\"message\":\"it broke\"}\r\n");
}

TEST(HttpTransport, GarbageInsteadOfHttpIsEngineUnavailable) {
  FakeEngine engine(answer_once_then_close("this is not HTTP at all\r\n\r\n"));
  auto result = run_one(engine.path(), get("/_ping"));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(result.error().message().find("malformed response"), std::string::npos)
      << result.error().message();
}

TEST(HttpTransport, PostSendsBodyAndHeadersIntact) {
  FakeEngine* engine_ptr = nullptr;
  FakeEngine engine([&engine_ptr](ServerConnection& c) -> asio::awaitable<void> {
    while (auto request = co_await c.read_request()) {
      engine_ptr->record(std::move(*request));
      co_await c.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    }
  });
  engine_ptr = &engine;
  HttpRequest request;
  request.method = "POST";
  request.target = "/v1.41/containers/create?name=web-1";
  request.headers = {{"X-Registry-Auth", "e30="}};
  request.body = R"({"Image":"nginx","Env":["A=1"]})";
  auto result = run_one(engine.path(), request);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->status, 201);

  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& raw = requests.front();
  EXPECT_EQ(raw.rfind("POST /v1.41/containers/create?name=web-1 HTTP/1.1\r\n", 0), 0u) << raw;
  EXPECT_NE(raw.find("\r\nHost: docker\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nUser-Agent: aic/0.1\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nX-Registry-Auth: e30=\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Type: application/json\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Length: 31\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4), request.body);
}

// ---- streams ----------------------------------------------------------------------------------

/// Runs `body` as the only coroutine on a fresh io_context until it finishes.
template <typename F>
void run_coroutine(const std::string& socket_path, F body) {
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(socket_path));
  asio::co_spawn(io, body(transport), [](std::exception_ptr e) {
    if (e) {
      std::rethrow_exception(e);
    }
  });
  io.run();
}

TEST(HttpStream, DeliversEachChunkBeforeTheNextIsSent) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n");
    // The second chunk only goes out once the client has had time to see the first.
    co_await c.pause(std::chrono::milliseconds(300));
    co_await c.write("6\r\nsecond\r\n0\r\n\r\n");
  });
  std::vector<std::string> pieces;
  std::vector<std::chrono::steady_clock::time_point> times;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    auto stream = co_await t.open_stream(get("/v1.41/events"));
    EXPECT_TRUE(stream);
    if (!stream) {
      co_return;
    }
    EXPECT_EQ((*stream)->status(), 200);
    for (;;) {
      auto piece = co_await (*stream)->read(std::chrono::milliseconds(2000));
      EXPECT_TRUE(piece) << piece.error().describe();
      if (!piece || !piece->has_value()) {
        break;
      }
      pieces.push_back(**piece);
      times.push_back(std::chrono::steady_clock::now());
    }
  });
  ASSERT_EQ(pieces, (std::vector<std::string>{"first", "second"}));
  EXPECT_GE(times[1] - times[0], std::chrono::milliseconds(200));
}

TEST(HttpStream, ReadsContentLengthAndCloseDelimitedBodies) {
  for (const std::string& response :
       {std::string("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"),
        std::string("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world")}) {
    FakeEngine engine(answer_once_then_close(response));
    std::string body;
    run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
      auto stream = co_await t.open_stream(get("/v1.41/containers/x/logs"));
      EXPECT_TRUE(stream);
      if (stream) {
        auto all = co_await (*stream)->read_all(1024, std::chrono::milliseconds(2000));
        EXPECT_TRUE(all) << all.error().describe();
        if (all) {
          body = *all;
        }
      }
    });
    EXPECT_EQ(body, "hello world") << response;
  }
}

TEST(HttpStream, ConnectionDroppedMidStreamIsEngineUnavailable) {
  FakeEngine engine(
      answer_once_then_close("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nsome\r\n"));
  std::optional<Error> error;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    auto stream = co_await t.open_stream(get("/v1.41/events"));
    if (!stream) {
      co_return;
    }
    auto first = co_await (*stream)->read(std::chrono::milliseconds(2000));
    EXPECT_TRUE(first && first->has_value() && **first == "some");
    auto second = co_await (*stream)->read(std::chrono::milliseconds(2000));
    if (!second) {
      error = second.error();
    }
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(error->message().find("connection closed mid-stream"), std::string::npos)
      << error->message();
}

TEST(HttpStream, SilentStreamHitsItsIdleTimeout) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    co_await c.stall();
  });
  std::optional<Error> error;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    auto stream = co_await t.open_stream(get("/v1.41/events"));
    if (!stream) {
      co_return;
    }
    auto piece = co_await (*stream)->read(std::chrono::milliseconds(150));
    if (!piece) {
      error = piece.error();
    }
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::Timeout);
}

TEST(HttpStream, StalledHeadHitsTheRequestDeadline) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.stall();
  });
  std::optional<Error> error;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    HttpRequest request = get("/v1.41/containers/x/logs");
    request.deadline = std::chrono::milliseconds(150);
    auto stream = co_await t.open_stream(request);
    if (!stream) {
      error = stream.error();
    }
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::Timeout);
}

TEST(HttpStream, GarbageChunkFramingIsEngineUnavailable) {
  FakeEngine engine(answer_once_then_close(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz-not-hex\r\nxx\r\n"));
  std::optional<Error> error;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    auto stream = co_await t.open_stream(get("/v1.41/events"));
    if (!stream) {
      co_return;
    }
    auto piece = co_await (*stream)->read(std::chrono::milliseconds(2000));
    if (!piece) {
      error = piece.error();
    }
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(error->message().find("malformed"), std::string::npos) << error->message();
}

TEST(HttpStream, UpgradeGivesATwoWayStreamIncludingBytesSentWithTheHead) {
  FakeEngine* engine_ptr = nullptr;
  FakeEngine engine([&engine_ptr](ServerConnection& c) -> asio::awaitable<void> {
    auto request = co_await c.read_request();
    if (request) {
      engine_ptr->record(*request);
    }
    co_await c.write("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream"
                     "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello ");
    const std::string input = co_await c.read_to_end(); // until the client half-closes
    co_await c.write("got:" + input);
    c.close();
  });
  engine_ptr = &engine;
  std::string received;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    HttpRequest request = get("/v1.41/exec/abc/start");
    request.method = "POST";
    request.body = R"({"Detach":false,"Tty":true})";
    auto stream = co_await t.open_stream(request, true);
    EXPECT_TRUE(stream) << stream.error().describe();
    if (!stream) {
      co_return;
    }
    EXPECT_TRUE((*stream)->upgraded());
    EXPECT_EQ((*stream)->status(), 101);
    auto written = co_await (*stream)->write("ls -l\n", std::chrono::milliseconds(1000));
    EXPECT_TRUE(written);
    EXPECT_TRUE((*stream)->shutdown_write());
    auto all = co_await (*stream)->read_all(1024, std::chrono::milliseconds(2000));
    EXPECT_TRUE(all) << all.error().describe();
    if (all) {
      received = *all;
    }
  });
  EXPECT_EQ(received, "hello got:ls -l\n");
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].find("\r\nConnection: Upgrade\r\n"), std::string::npos) << requests[0];
  EXPECT_NE(requests[0].find("\r\nUpgrade: tcp\r\n"), std::string::npos) << requests[0];
}

TEST(HttpStream, StreamedRequestBodyIsSentChunked) {
  FakeEngine* engine_ptr = nullptr;
  FakeEngine engine([&engine_ptr](ServerConnection& c) -> asio::awaitable<void> {
    auto raw = co_await c.read_until("\r\n0\r\n\r\n");
    if (raw) {
      engine_ptr->record(*raw);
    }
    co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
  });
  engine_ptr = &engine;
  std::vector<std::string> parts = {"tar-part-1|", "", "tar-part-2"};
  std::size_t next = 0;
  HttpRequest request = get("/v1.41/build?t=x");
  request.method = "POST";
  request.headers = {{"Content-Type", "application/x-tar"}};
  request.body_source = [&]() -> asio::awaitable<Result<std::optional<std::string>>> {
    if (next == parts.size()) {
      co_return std::optional<std::string>{};
    }
    co_return std::optional<std::string>(parts[next++]);
  };
  auto result = run_one(engine.path(), request);
  ASSERT_TRUE(result) << result.error().describe();
  EXPECT_EQ(result->body, "OK");
  const auto requests = engine.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& raw = requests[0];
  EXPECT_NE(raw.find("\r\nTransfer-Encoding: chunked\r\n"), std::string::npos) << raw;
  EXPECT_NE(raw.find("\r\nContent-Type: application/x-tar\r\n"), std::string::npos) << raw;
  EXPECT_EQ(raw.substr(raw.find("\r\n\r\n") + 4),
            "b\r\ntar-part-1|\r\na\r\ntar-part-2\r\n0\r\n\r\n");
}

TEST(HttpStream, FailingBodySourceAbortsTheRequestWithItsError) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> { co_await c.stall(); });
  HttpRequest request = get("/v1.41/build");
  request.method = "POST";
  request.body_source = []() -> asio::awaitable<Result<std::optional<std::string>>> {
    co_return Error(ErrorCode::InvalidSpec, "context directory vanished");
  };
  auto result = run_one(engine.path(), request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(result.error().describe(),
            "sending the body of POST /v1.41/build: context directory vanished");
}

TEST(HttpStream, CloseCancelsAPendingRead) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    co_await c.stall();
  });
  std::optional<Error> error;
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(engine.path()));
  std::unique_ptr<HttpStream> stream;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto opened = co_await transport.open_stream(get("/v1.41/events"));
        if (!opened) {
          co_return;
        }
        stream = std::move(*opened);
        asio::steady_timer later(io, std::chrono::milliseconds(100));
        later.async_wait([&](error_code) { stream->close(); });
        auto piece = co_await stream->read(std::chrono::milliseconds(5000));
        if (!piece) {
          error = piece.error();
        }
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::Internal);
  EXPECT_NE(error->message().find("cancelled"), std::string::npos) << error->message();
}

TEST(HttpStream, SlowUploadGetsAFreshDeadlineForTheAnswer) {
  // Each chunk and the answer get their own window: an upload longer than the deadline is fine.
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    if (co_await c.read_until("\r\n0\r\n\r\n")) {
      co_await c.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK");
    }
    c.close();
  });
  int sent = 0;
  std::optional<Error> error;
  std::string body;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    HttpRequest request = get("/v1.41/build");
    request.method = "POST";
    request.deadline = std::chrono::milliseconds(250);
    request.body_source = [&]() -> asio::awaitable<Result<std::optional<std::string>>> {
      if (sent == 4) {
        co_return std::optional<std::string>{};
      }
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(100));
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      ++sent;
      co_return std::optional<std::string>("part");
    };
    auto stream = co_await t.open_stream(request);
    if (!stream) {
      error = stream.error();
      co_return;
    }
    auto all = co_await (*stream)->read_all(64, std::chrono::milliseconds(1000));
    if (all) {
      body = *all;
    }
  });
  EXPECT_FALSE(error) << error->describe();
  EXPECT_EQ(body, "OK");
}

TEST(HttpStream, EngineAnswerToAnUploadItStoppedReadingBeatsTheBrokenPipe) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_until("\r\n\r\n");
    co_await c.write("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                     "Content-Length: 37\r\n\r\n{\"message\":\"invalid reference format\"}");
    c.close();
  });
  std::optional<int> status;
  std::optional<Error> error;
  run_coroutine(engine.path(), [&](HttpTransport& t) -> asio::awaitable<void> {
    HttpRequest request = get("/v1.41/build?t=Bad");
    request.method = "POST";
    const std::string big(1 << 20, 'x');
    int left = 64; // 64 MiB: far more than the socket buffers hold
    request.body_source = [&]() -> asio::awaitable<Result<std::optional<std::string>>> {
      if (left-- == 0) {
        co_return std::optional<std::string>{};
      }
      co_return std::optional<std::string>(big);
    };
    auto stream = co_await t.open_stream(request);
    if (stream) {
      status = (*stream)->status();
    } else {
      error = stream.error();
    }
  });
  EXPECT_FALSE(error) << error->describe();
  EXPECT_EQ(status, 400);
}

TEST(HttpStream, DestroyingAStreamWithAReadPendingCancelsTheRead) {
  FakeEngine engine([](ServerConnection& c) -> asio::awaitable<void> {
    co_await c.read_request();
    co_await c.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
    co_await c.stall();
  });
  std::optional<Error> error;
  asio::io_context io;
  HttpTransport transport(io.get_executor(), unix_address(engine.path()));
  std::unique_ptr<HttpStream> stream;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto opened = co_await transport.open_stream(get("/v1.41/events"));
        if (!opened) {
          co_return;
        }
        stream = std::move(*opened);
        asio::steady_timer later(io, std::chrono::milliseconds(50));
        later.async_wait([&](error_code) { stream.reset(); });
        auto piece = co_await stream->read(std::chrono::milliseconds(5000));
        if (!piece) {
          error = piece.error();
        }
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code(), ErrorCode::Internal);
}

} // namespace
} // namespace aic::engine
