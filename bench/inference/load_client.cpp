// inference_load: N concurrent keep-alive clients POSTing one-row predictions to the inference
// service for a fixed time; prints throughput and latency percentiles as one JSON line.
//
//   inference_load --port P [--host 127.0.0.1] [--clients N] [--seconds S] [--warmup S]
//                  [--width 64]
//
// Plain blocking sockets, one thread per client: the generator's own cost per request stays
// small and the same whether the server batches or not.
#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  int clients = 1;
  double seconds = 5;
  double warmup = 1;
  int width = 64;
};

struct ClientResult {
  std::vector<double> latencies_ms; // measured phase only
  long errors = 0;
  long non_200 = 0;
};

int connect_to(const Options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// Sends the request and reads one response; returns the status code, or 0 on a broken
// connection. `buffer` keeps bytes read past the response (none, with one request in flight).
int round_trip(int fd, const std::string& request, std::string& buffer) {
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return 0;
    sent += static_cast<std::size_t>(n);
  }
  buffer.clear();
  char chunk[16384];
  for (;;) {
    const auto end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      std::size_t length = 0;
      const auto cl = buffer.find("Content-Length: ");
      if (cl != std::string::npos && cl < end)
        length = std::strtoul(buffer.c_str() + cl + 16, nullptr, 10);
      if (buffer.size() >= end + 4 + length) {
        return std::atoi(buffer.c_str() + 9); // "HTTP/1.1 200"
      }
    }
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0)
      return 0;
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string make_request(const Options& o, int client) {
  std::string body = "{\"input\":[";
  for (int i = 0; i < o.width; ++i) {
    if (i)
      body += ',';
    body += std::to_string(((client * 31 + i * 7) % 200) / 100.0 - 1.0).substr(0, 6);
  }
  body += "]}";
  return "POST /predict HTTP/1.1\r\nHost: " + o.host + "\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const char* v = argv[i + 1];
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = std::atoi(v);
    else if (a == "--clients")
      o.clients = std::atoi(v);
    else if (a == "--seconds")
      o.seconds = std::atof(v);
    else if (a == "--warmup")
      o.warmup = std::atof(v);
    else if (a == "--width")
      o.width = std::atoi(v);
    else {
      std::fprintf(stderr, "inference_load: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (o.port <= 0 || o.clients <= 0 || o.seconds <= 0) {
    std::fprintf(stderr, "usage: inference_load --port P [--clients N] [--seconds S]\n");
    return 2;
  }
  const auto start = Clock::now();
  const auto measure_from =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  const auto measure_until = measure_from + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double>(o.seconds));
  std::vector<ClientResult> results(static_cast<std::size_t>(o.clients));
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c) {
    threads.emplace_back([&, c] {
      auto& r = results[static_cast<std::size_t>(c)];
      const std::string request = make_request(o, c);
      std::string buffer;
      int fd = connect_to(o);
      for (;;) {
        const auto sent_at = Clock::now();
        if (sent_at >= measure_until)
          break;
        const int status = fd < 0 ? 0 : round_trip(fd, request, buffer);
        const auto done_at = Clock::now();
        const bool measured = sent_at >= measure_from;
        if (status == 0) {
          if (measured)
            ++r.errors;
          if (fd >= 0)
            ::close(fd);
          fd = connect_to(o);
          if (fd < 0)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        if (!measured)
          continue;
        if (status != 200)
          ++r.non_200;
        r.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(done_at - sent_at).count());
      }
      if (fd >= 0)
        ::close(fd);
    });
  }
  for (auto& t : threads)
    t.join();

  std::vector<double> all;
  long errors = 0, non_200 = 0;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    errors += r.errors;
    non_200 += r.non_200;
  }
  const double rps = static_cast<double>(all.size()) / o.seconds;
  const double p50 = percentile(all, 0.50);
  const double p99 = percentile(all, 0.99);
  std::printf(
      "{\"clients\": %d, \"seconds\": %.1f, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, "
      "\"p99_ms\": %.3f, \"errors\": %ld, \"non_200\": %ld}\n",
      o.clients, o.seconds, all.size(), rps, p50, p99, errors, non_200);
  return errors > 0 || non_200 > 0 ? 1 : 0;
}
