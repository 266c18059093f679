// The only translation unit that includes Asio and Beast.
#include "http_server.hpp"

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <exception>
#include <thread>
#include <vector>

namespace inference {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Logs what ended a task with an exception (the task's owner; nothing is rethrown into run()).
void log_failure(const char* what, const std::exception_ptr& failure) {
  if (!failure)
    return;
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "inference: %s failed: %s\n", what, e.what());
  } catch (...) {
    std::fprintf(stderr, "inference: %s failed\n", what);
  }
}

// Hands the request to the service and resumes the coroutine, on its own executor, with the
// response, whichever thread the service answers on.
template <class Token>
auto async_handle(Service& service, HttpRequest request, Token&& token) {
  return asio::async_initiate<Token, void(HttpResponse)>(
      [&service](auto handler, HttpRequest req) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        auto executor = asio::get_associated_executor(*shared);
        service.handle(req, [shared, executor](HttpResponse response) {
          asio::post(executor, [shared, response = std::move(response)]() mutable {
            (*shared)(std::move(response));
          });
        });
      },
      token, std::move(request));
}

} // namespace

struct HttpServer::Impl {
  Impl(Service& s, ServerOptions o) : service(s), options(std::move(o)), io(options.threads) {}

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open())
          co_return;
        // EMFILE and friends: back off briefly rather than spin.
        asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      if (connections.load() >= options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      ++connections;
      asio::co_spawn(asio::make_strand(io), serve(std::move(socket)),
                     [this](const std::exception_ptr& failure) {
                       --connections;
                       log_failure("a connection", failure);
                     });
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer(8192);
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(options.body_limit);
      parser.header_limit(16 * 1024);
      // Waiting for the next request may take the idle time; reading it, the I/O time.
      stream.expires_after(options.idle_timeout);
      auto [header_ec, header_bytes] = co_await http::async_read_header(
          stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)header_bytes;
      beast::error_code read_ec = header_ec;
      if (!read_ec) {
        stream.expires_after(options.io_timeout);
        auto [body_ec, body_bytes] =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        (void)body_bytes;
        read_ec = body_ec;
      }
      if (read_ec == http::error::body_limit) {
        co_await write(stream,
                       error_response(413, "too_large",
                                      "the body is larger than " +
                                          std::to_string(options.body_limit) + " bytes"),
                       11, false, false);
        break;
      }
      if (read_ec == http::error::header_limit) {
        co_await write(stream, error_response(431, "headers_too_large", "headers over 16 KiB"), 11,
                       false, false);
        break;
      }
      if (read_ec && read_ec.category() == beast::error_code(http::error::bad_target).category() &&
          read_ec != http::error::end_of_stream && read_ec != http::error::partial_message) {
        co_await write(stream, error_response(400, "bad_request", read_ec.message()), 11, false,
                       false);
        break;
      }
      if (read_ec)
        break;
      auto& req = parser.get();
      const bool keep_alive = req.keep_alive();
      const unsigned version = req.version();
      const bool head = req.method() == http::verb::head;
      HttpRequest request{std::string(req.method_string()), std::string(req.target()),
                          std::move(req.body())};
      stream.expires_never();
      HttpResponse response =
          co_await async_handle(service, std::move(request), asio::use_awaitable);
      if (!co_await write(stream, std::move(response), version, keep_alive, head) || !keep_alive) {
        break;
      }
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // `head`: the headers of the response, with the body's length, and no body.
  asio::awaitable<bool> write(beast::tcp_stream& stream, HttpResponse response, unsigned version,
                              bool keep_alive, bool head) {
    http::response<http::string_body> out{static_cast<http::status>(response.status), version};
    out.set(http::field::server, "aic-inference");
    out.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers)
      out.set(name, value);
    out.keep_alive(keep_alive);
    if (head) {
      out.content_length(response.body.size());
    } else {
      out.body() = std::move(response.body);
      out.prepare_payload();
    }
    stream.expires_after(options.io_timeout);
    auto [ec, bytes] = co_await http::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    (void)bytes;
    co_return !ec;
  }

  Service& service;
  const ServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::atomic<std::size_t> connections{0};
};

HttpServer::HttpServer(Service& service, ServerOptions options)
    : impl_(std::make_unique<Impl>(service, std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
}

std::string HttpServer::listen() {
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(impl_->options.address),
                                 impl_->options.port);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(asio::socket_base::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    return "cannot listen on " + impl_->options.address + ":" +
           std::to_string(impl_->options.port) + ": " + e.what();
  }
  asio::co_spawn(impl_->io, impl_->accept_loop(), [](const std::exception_ptr& failure) {
    log_failure("the accept loop", failure);
  });
  return "";
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  const auto endpoint = impl_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void HttpServer::run() {
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i)
    threads.emplace_back([this] { impl_->io.run(); });
  impl_->io.run();
  for (auto& t : threads)
    t.join();
}

void HttpServer::stop() {
  impl_->io.stop();
}

unsigned http_get_status(const std::string& host, std::uint16_t port, const std::string& path,
                         std::chrono::milliseconds timeout) {
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    unsigned status = 0;
    auto probe = [&]() -> asio::awaitable<void> {
      stream.expires_after(timeout);
      co_await stream.async_connect(tcp::endpoint(asio::ip::make_address(host), port),
                                    asio::use_awaitable);
      http::request<http::empty_body> req{http::verb::get, path, 11};
      req.set(http::field::host, host);
      req.keep_alive(false);
      co_await http::async_write(stream, req, asio::use_awaitable);
      beast::flat_buffer buffer;
      http::response_parser<http::string_body> parser;
      parser.body_limit(1 << 20);
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      status = parser.get().result_int();
    };
    asio::co_spawn(io, probe(), asio::detached);
    io.run();
    return status;
  } catch (const std::exception&) {
    return 0;
  }
}

} // namespace inference
