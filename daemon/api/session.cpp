#include "api/session.hpp"

#include "api/auth.hpp"
#include "api/web_routes.hpp"
#include "core/error.hpp"

#include <arpa/inet.h>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <exception>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <tuple>

namespace aic::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;
/// How long, and how much, a connection closed after an error answer is drained.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::size_t kLingerBytes = 1024 * 1024;

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && !CaseInsensitiveLess{}(a, b) && !CaseInsensitiveLess{}(b, a);
}

std::string describe(const Request& request) {
  return request.method_name + " " + request.path;
}

} // namespace

PeerIdentity identify_peer(int fd, Transport transport) {
  if (transport == Transport::Unix) {
    ucred credentials{};
    socklen_t size = sizeof credentials;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
      return {"uid ?", "an unknown local process"};
    }
    std::string uid = "uid " + std::to_string(credentials.uid);
    return {uid, uid + " (pid " + std::to_string(credentials.pid) + ")"};
  }
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    return {"?", "an unknown address"};
  }
  std::uint16_t port = 0;
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    port = ntohs(v4->sin_port);
    std::string host(text.data());
    return {host, host + ":" + std::to_string(port)};
  }
  const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
  ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
  port = ntohs(v6->sin6_port);
  std::string host(text.data());
  return {host, "[" + host + "]:" + std::to_string(port)};
}

std::optional<std::string> LogLimiter::admit(std::string_view message,
                                             std::chrono::steady_clock::time_point now) {
  if (now - window_start_ >= window_) {
    window_start_ = now;
    in_window_ = 0;
  }
  if (in_window_ >= burst_) {
    ++dropped_;
    return std::nullopt;
  }
  ++in_window_;
  std::string out(message);
  if (dropped_ > 0) {
    out += " (" + std::to_string(dropped_) + " similar messages not logged before this one)";
    dropped_ = 0;
  }
  return out;
}

void ServerState::forget_abandoned(const std::string& client) {
  for (const auto& [id, session] : sessions) {
    if (session->client() == client && session->counted() && session->abandoned()) {
      session->release_request();
    }
  }
}

void ServerState::warn_limited(std::string_view message) {
  if (auto admitted = noisy.admit(message, std::chrono::steady_clock::now())) {
    warn(*admitted);
  }
}

Session::Session(std::shared_ptr<ServerState> state, Stream::socket_type socket,
                 Transport transport, std::optional<PeerIdentity> identity)
    : state_(std::move(state)), stream_(std::move(socket)), transport_(transport),
      id_(state_->next_session_id++) {
  PeerIdentity who =
      identity ? std::move(*identity) : identify_peer(stream_.socket().native_handle(), transport_);
  client_ = std::move(who.client);
  peer_ = std::move(who.peer);
  state_->sessions.emplace(id_, this);
}

Session::~Session() {
  state_->sessions.erase(id_);
}

void Session::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_both, ignored);
  stream_.close();
}

void Session::evict() {
  if (phase_ == Phase::Waiting) {
    phase_ = Phase::Evicted;
    close();
  }
}

void Session::stop() {
  if (responder_ != nullptr) {
    responder_->stop();
    return;
  }
  close();
}

asio::awaitable<void> Session::run() {
  while (!state_->stopping) {
    const bool keep_going = co_await serve_one();
    if (!keep_going) {
      break;
    }
  }
  close();
}

asio::awaitable<void> Session::answer_and_close(int status, std::string_view code,
                                                std::string_view message, bool ask_for_token) {
  {
    Responder responder(stream_, false, state_->options.write_timeout);
    if (ask_for_token) {
      responder.set_header("WWW-Authenticate", "Bearer");
    }
    if (!co_await responder.respond_error(status, code, message)) {
      co_return;
    }
  }
  beast::error_code ignored;
  stream_.socket().shutdown(asio::socket_base::shutdown_send, ignored);
  stream_.expires_after(kLingerTime);
  std::array<char, 16 * 1024> sink{};
  std::size_t drained = 0;
  while (drained < kLingerBytes && stream_.socket().is_open()) {
    auto [ec, n] = co_await stream_.async_read_some(asio::buffer(sink), kNoThrow);
    drained += n;
    if (ec) {
      break;
    }
  }
  close();
}

asio::awaitable<int> Session::reject_read(const beast::error_code& ec) {
  const std::string invalid(to_string(ErrorCode::InvalidSpec));
  if (ec == http::error::body_limit) {
    const std::string message =
        "request body exceeds " + std::to_string(state_->options.max_body_bytes) + " bytes";
    co_await answer_and_close(413, invalid, message, false);
    co_return 413;
  }
  if (ec == http::error::header_limit) {
    const std::string message =
        "request head exceeds " + std::to_string(kMaxHeaderBytes) + " bytes";
    co_await answer_and_close(431, invalid, message, false);
    co_return 431;
  }
  if (is_http_error(ec)) {
    const std::string message = "malformed HTTP request: " + ec.message();
    co_await answer_and_close(400, invalid, message, false);
    co_return 400;
  }
  // Anything else (end of stream, reset, timeout, stop) leaves nobody to answer.
  co_return 0;
}

asio::awaitable<bool> Session::serve_one() {
  Served served;
  const bool keep_going = co_await handle_one(served);
  if (served.head_read && state_->options.on_request) {
    RequestRecord record;
    record.method = served.method;
    record.route = served.route;
    record.status = served.status;
    record.duration = std::chrono::steady_clock::now() - served.started;
    state_->options.on_request(record);
  }
  co_return keep_going;
}

asio::awaitable<bool> Session::handle_one(Served& served) {
  const ServerOptions& options = state_->options;
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(options.max_body_bytes);

  phase_ = Phase::Waiting;
  waiting_since_ = std::chrono::steady_clock::now();
  stream_.expires_after(options.header_timeout);
  auto [head_ec, head_n] = co_await http::async_read_header(stream_, buffer_, parser, kNoThrow);
  (void)head_n;
  if (head_ec || phase_ == Phase::Evicted) {
    if (phase_ != Phase::Evicted) {
      co_await reject_read(head_ec);
    }
    co_return false;
  }
  phase_ = Phase::Working;
  stream_.expires_never();
  served.head_read = true;
  served.started = std::chrono::steady_clock::now();

  const auto& head = parser.get();
  Request request;
  request.method = head.method();
  request.method_name = std::string(head.method_string());
  request.target = std::string(head.target());
  request.transport = transport_;
  served.method = request.method_name;
  for (const auto& field : head) {
    auto [it, inserted] =
        request.headers.try_emplace(std::string(field.name_string()), field.value());
    if (!inserted) {
      it->second.append(", ").append(field.value());
    }
  }

  // The dashboard's own files are public (they hold no data); everything else needs the token.
  if (transport_ == Transport::Tcp && !is_public_request(request.method, request.target) &&
      !bearer_token_matches(request.header("Authorization"), options.token)) {
    // Never the token itself: a wrong one may be another secret pasted by mistake.
    state_->warn_limited(
        "refused " + request.method_name + " " +
        request.target.substr(0, request.target.find('?')) + " from " + peer_ + ": " +
        (request.header("Authorization") ? "wrong API token" : "no API token") + " (401)");
    co_await answer_and_close(401, "unauthorized",
                              "this endpoint needs 'Authorization: Bearer <token>' with aicd's "
                              "API token",
                              true);
    served.status = 401;
    co_return false;
  }
  if (auto parsed = parse_target(request.target, request); !parsed) {
    const std::string message = parsed.error().message();
    co_await answer_and_close(400, to_string(ErrorCode::InvalidSpec), message, false);
    served.status = 400;
    co_return false;
  }

  if (!parser.is_done()) {
    const auto expect = request.header("Expect");
    if (expect && iequals(*expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(options.write_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(kContinue), kNoThrow);
      (void)n;
      if (ec) {
        co_return false;
      }
    }
    stream_.expires_after(options.body_timeout);
    auto [body_ec, body_n] = co_await http::async_read(stream_, buffer_, parser, kNoThrow);
    (void)body_n;
    if (body_ec) {
      served.status = co_await reject_read(body_ec);
      co_return false;
    }
    stream_.expires_never();
  }
  request.body = std::move(parser.get().body());
  // An upgrade request's connection ends with its handler, so whatever followed the request is
  // the start of the raw stream (a client may send input before it reads the 101).
  const bool wants_upgrade = request.header("Upgrade").has_value();
  if (wants_upgrade) {
    const auto early = buffer_.data();
    request.leftover.assign(static_cast<const char*>(early.data()), early.size());
    buffer_.consume(early.size());
  }

  Responder responder(stream_, parser.keep_alive() && !wants_upgrade && !state_->stopping,
                      options.write_timeout);
  RouteMatch match = state_->router.match(request.method, request.path);
  switch (match.outcome) {
  case RouteMatch::Outcome::Found: {
    request.params = std::move(match.params);
    served.route = match.pattern;
    if (state_->requests_per_client[client_] >= options.max_requests_per_client) {
      state_->forget_abandoned(client_);
    }
    std::size_t& in_progress = state_->requests_per_client[client_];
    if (in_progress >= options.max_requests_per_client) {
      const std::string message =
          client_ + " has " + std::to_string(in_progress) +
          " requests in progress (streams included), aicd's limit per client; close some "
          "(logs -f, events, exec) and try again";
      responder.set_header("Retry-After", "1");
      co_await responder.respond_error(429, "too_many_requests", message);
      served.status = 429;
      co_return responder.keep_alive() && responder.state() == Responder::State::Responded;
    }
    ++in_progress;
    counted_ = true;
    bool keep = false;
    try {
      keep = co_await run_handler(*match.handler, request, responder);
    } catch (...) {
      release_request();
      throw;
    }
    release_request();
    served.status = responder.status();
    co_return keep;
  }
  case RouteMatch::Outcome::NotFound: {
    const Error error(ErrorCode::NotFound, "no such endpoint: " + describe(request));
    co_await responder.respond_error(error);
    break;
  }
  case RouteMatch::Outcome::MethodNotAllowed: {
    const std::string allow = match.allow_header();
    responder.set_header("Allow", allow);
    const Error error(ErrorCode::InvalidSpec, "method " + request.method_name +
                                                  " is not allowed on " + request.path +
                                                  " (allowed: " + allow + ")");
    co_await responder.respond_error(405, error);
    break;
  }
  case RouteMatch::Outcome::BadPath: {
    const Error error(ErrorCode::InvalidSpec, "malformed path " + request.path);
    co_await responder.respond_error(error);
    break;
  }
  }
  served.status = responder.status();
  co_return responder.keep_alive() && responder.state() == Responder::State::Responded;
}

void Session::release_request() {
  if (!counted_) {
    return;
  }
  counted_ = false;
  auto it = state_->requests_per_client.find(client_);
  if (it != state_->requests_per_client.end() && --it->second == 0) {
    state_->requests_per_client.erase(it);
  }
}

asio::awaitable<bool> Session::run_handler(const Handler& handler, Request& request,
                                           Responder& responder) {
  std::string failure;
  responder_ = &responder;
  try {
    co_await handler(request, responder);
  } catch (const std::exception& e) {
    failure = e.what();
    if (failure.empty()) {
      failure = "unknown error";
    }
  } catch (...) {
    failure = "unknown exception";
  }
  responder_ = nullptr;

  if (!failure.empty()) {
    state_->warn(describe(request) + ": handler failed: " + failure);
    if (responder.state() != Responder::State::Idle) {
      co_return false; // mid-stream: a cut connection tells the client the stream broke
    }
    const Error error(ErrorCode::Internal, describe(request) + ": " + failure);
    co_await responder.respond_error(error);
  } else if (responder.state() == Responder::State::Idle) {
    state_->warn(describe(request) + ": handler sent no response");
    const Error error(ErrorCode::Internal, describe(request) + ": the handler sent no response");
    co_await responder.respond_error(error);
  } else if (responder.state() == Responder::State::Streaming) {
    co_await responder.finish();
  }
  const auto state = responder.state();
  if (state == Responder::State::Upgraded) {
    co_return false; // the raw connection ends with its handler
  }
  co_return responder.keep_alive() &&
      (state == Responder::State::Responded || state == Responder::State::Finished);
}

} // namespace aic::api
