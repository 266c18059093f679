// The HTTP/1.1 transport (Boost.Beast): keep-alive connections on a few network threads,
// every read and write under a deadline, bodies bounded. Requests go to a Service.
#pragma once

#include "service.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace inference {

struct ServerOptions {
  std::string address = "0.0.0.0";
  std::uint16_t port = 8000;
  int threads = 2;
  std::size_t body_limit = 1 << 20;
  std::chrono::seconds idle_timeout{60}; ///< a keep-alive connection with no request
  std::chrono::seconds io_timeout{30};   ///< reading one request, writing one response
  std::size_t max_connections = 1024;
};

/// Listens and serves until stop(). Thread-safe stop().
class HttpServer {
public:
  HttpServer(Service& service, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds; returns "" or an error. port() tells the bound port afterwards (for port 0).
  std::string listen();
  std::uint16_t port() const;
  /// Serves on the network threads; returns after stop() once they have finished.
  void run();
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// GET http://host:port/path with a deadline; returns the status code, or 0 when nothing
/// answered. For the container's HEALTHCHECK (`inference-server --health`).
unsigned http_get_status(const std::string& host, std::uint16_t port, const std::string& path,
                         std::chrono::milliseconds timeout);

} // namespace inference
