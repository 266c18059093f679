#include "cli/rest_client.hpp"

#include "proto/error_body.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <curl/curl.h>
#include <new>
#include <system_error>
#include <utility>
#include <vector>

namespace aic::cli {
namespace {

constexpr std::chrono::milliseconds kCancelPollInterval{100};
constexpr std::size_t kQuotedBodyChars = 200;

/// libcurl's process-wide setup, done once; false when it failed.
bool curl_ready() {
  static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ready;
}

struct SlistFree {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

/// Request headers, freed with the transfer.
class HeaderList {
public:
  void add(const std::string& line) {
    curl_slist* next = curl_slist_append(list_.get(), line.c_str());
    if (next == nullptr) {
      throw std::bad_alloc();
    }
    (void)list_.release();
    list_.reset(next);
  }
  curl_slist* get() const { return list_.get(); }

private:
  std::unique_ptr<curl_slist, SlistFree> list_;
};

std::string describe_duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) {
    return std::to_string(d.count() / 1000) + "s";
  }
  return std::to_string(d.count()) + "ms";
}

std::string describe_size(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes % 1024 == 0) {
    return std::to_string(bytes / 1024) + " KiB";
  }
  return std::to_string(bytes) + " bytes";
}

std::string base_url(const HostAddress& address) {
  if (address.kind == HostAddress::Kind::Unix) {
    return "http://localhost";
  }
  std::string host;
  for (const char c : address.host) {
    host += c == '%' ? std::string("%25") : std::string(1, c); // an IPv6 zone in a URL
  }
  if (address.host.find(':') != std::string::npos) {
    host = "[" + host + "]";
  }
  return "http://" + host + ":" + std::to_string(address.port);
}

std::string lowercase_first(std::string text) {
  if (!text.empty()) {
    text.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(text.front())));
  }
  return text;
}

/// Why a connection failed, from the OS error when curl kept one.
std::string connect_failure_reason(CURL* curl, CURLcode code, const char* error_buffer) {
  long os_errno = 0;
  if (curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK && os_errno != 0) {
    return lowercase_first(std::system_category().message(static_cast<int>(os_errno)));
  }
  if (error_buffer[0] != '\0') {
    return lowercase_first(error_buffer);
  }
  return lowercase_first(curl_easy_strerror(code));
}

Error unreachable(const HostAddress& address, const std::string& reason, bool permission_denied) {
  std::vector<std::string> details;
  if (permission_denied) {
    details.push_back("the socket's owner and mode decide who may use it; run aic as a user "
                      "allowed to, or ask for access to the socket");
  }
  details.push_back("is aicd running? start it with `aicd --socket PATH --state-dir DIR` or "
                    "`systemctl start aicd`");
  details.push_back("or point aic at a running aicd with --host or AIC_HOST (" +
                    std::string(kAddressForms) + ")");
  return Error(ErrorCode::EngineUnavailable,
               "cannot connect to aicd at " + address.display() + ": " + reason,
               std::move(details));
}

struct Exchange {
  std::string_view method;
  std::string_view path;
  std::chrono::milliseconds timeout{0}; // 0: none
};

/// The Error for a transfer that ended with `code`; `connected` says whether a connection to
/// aicd was established (or reused) before it failed.
Error transfer_error(CURL* curl, CURLcode code, const char* error_buffer, bool connected,
                     const HostAddress& address, const Exchange& exchange) {
  const std::string what = std::string(exchange.method) + " " + std::string(exchange.path);
  const std::string curl_message =
      error_buffer[0] != '\0' ? std::string(error_buffer) : curl_easy_strerror(code);
  switch (code) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST: {
    long os_errno = 0;
    (void)curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
    return unreachable(address, connect_failure_reason(curl, code, error_buffer),
                       os_errno == EACCES || os_errno == EPERM);
  }
  case CURLE_OPERATION_TIMEDOUT:
    if (!connected) {
      return unreachable(address, "connection timed out", false);
    }
    return Error(ErrorCode::Timeout, "aicd at " + address.display() + " did not answer " + what +
                                         " within " + describe_duration(exchange.timeout));
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
    return Error(ErrorCode::EngineUnavailable, "aicd at " + address.display() +
                                                   " dropped the connection during " + what + ": " +
                                                   curl_message);
  default:
    return Error(ErrorCode::Internal,
                 what + " to aicd at " + address.display() + " failed: " + curl_message);
  }
}

ErrorCode code_for_status(long status) {
  switch (status) {
  case 400:
    return ErrorCode::InvalidSpec;
  case 404:
    return ErrorCode::NotFound;
  case 409:
    return ErrorCode::Conflict;
  case 503:
    return ErrorCode::EngineUnavailable;
  case 504:
    return ErrorCode::Timeout;
  default:
    return ErrorCode::Internal;
  }
}

/// The Error of a non-2xx answer: its envelope, else the status and the start of the body.
Error status_error(long status, const std::string& body, const HostAddress& address) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_discarded() && json.is_object()) {
    const auto envelope = json.find("error");
    if (envelope != json.end() && envelope->is_object()) {
      try {
        return proto::error_from_body(json);
      } catch (const nlohmann::json::exception&) {
        // A malformed envelope ("code": 7): quoted below like any other body.
      }
    }
  }
  std::string message = "aicd at " + address.display() + " answered HTTP " + std::to_string(status);
  std::string_view quoted = trim_space(body);
  if (!quoted.empty()) {
    const bool cut = quoted.size() > kQuotedBodyChars;
    message += ": " + std::string(quoted.substr(0, kQuotedBodyChars)) + (cut ? "..." : "");
  }
  return Error(code_for_status(status), std::move(message));
}

bool is_success(long status) {
  return status >= 200 && status <= 299;
}

int on_connected(void* connected, char*, char*, int, int) {
  *static_cast<bool*>(connected) = true;
  return CURL_PREREQFUNC_OK;
}

/// Options shared by request() and stream(); `headers`, `url` and `body_text` must outlive the
/// transfer. `connected` becomes true once a connection is established or reused.
void prepare(CURL* curl, const HostAddress& address, const std::string& token,
             std::string_view method, const std::string& url, const std::string* body_text,
             std::string_view accept, std::chrono::milliseconds connect_timeout,
             HeaderList& headers, char* error_buffer, bool* connected) {
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  if (address.kind == HostAddress::Kind::Unix) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, address.path.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(curl, CURLOPT_PROXY, ""); // never route aicd traffic through *_proxy
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "aic");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_PREREQFUNCTION, &on_connected);
  curl_easy_setopt(curl, CURLOPT_PREREQDATA, static_cast<void*>(connected));

  const std::string method_text(method);
  const bool sends_body =
      body_text != nullptr || method == "POST" || method == "PUT" || method == "PATCH";
  if (method == "GET" && body_text == nullptr) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (sends_body) {
      // Always a Content-Length, even 0, so aicd never waits for a body that will not come.
      static const char kEmpty[] = "";
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body_text != nullptr ? body_text->data() : kEmpty);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(body_text != nullptr ? body_text->size() : 0));
    }
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_text.c_str());
  }

  headers.add("Accept: " + std::string(accept));
  // POSTFIELDS would otherwise add a form Content-Type, and large bodies an "Expect:
  // 100-continue" that costs a round trip.
  headers.add(body_text != nullptr ? "Content-Type: application/json" : "Content-Type:");
  headers.add("Expect:");
  if (!token.empty()) {
    headers.add("Authorization: Bearer " + token);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
}

/// What request() collects: the body, within its bound.
struct BodySink {
  std::string body;
  std::size_t limit = 0;
  bool overflow = false;
};

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<BodySink*>(user);
  const std::size_t n = size * count;
  if (sink.body.size() + n > sink.limit) {
    sink.overflow = true;
    return CURL_WRITEFUNC_ERROR;
  }
  sink.body.append(data, n);
  return n;
}

/// What stream() does with the bytes of the answer: splits a 2xx body into lines, keeps an
/// error body whole (within max_line).
struct LineSink {
  CURL* curl = nullptr;
  const std::function<bool(std::string_view)>* on_line = nullptr;
  std::size_t max_line = 0;
  long status = 0;
  std::string pending;
  std::string error_body;
  bool stopped = false;       // on_line returned false
  bool line_too_long = false; // a line grew past max_line
  bool error_body_full = false;

  // false when the callback asked to stop.
  bool deliver(std::string_view line) {
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      return true;
    }
    return (*on_line)(line);
  }

  bool feed(std::string_view data) {
    for (;;) {
      const std::size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        break;
      }
      const std::string_view piece = data.substr(0, newline);
      if (pending.size() + piece.size() > max_line) {
        line_too_long = true;
        return false;
      }
      bool go_on = false;
      if (pending.empty()) {
        go_on = deliver(piece);
      } else {
        pending.append(piece);
        go_on = deliver(pending);
        pending.clear();
      }
      if (!go_on) {
        stopped = true;
        return false;
      }
      data.remove_prefix(newline + 1);
    }
    if (pending.size() + data.size() > max_line) {
      line_too_long = true;
      return false;
    }
    pending.append(data);
    return true;
  }
};

std::size_t write_lines(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<LineSink*>(user);
  const std::size_t n = size * count;
  if (sink.status == 0) {
    (void)curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &sink.status);
  }
  if (!is_success(sink.status)) {
    const std::size_t room = sink.max_line - std::min(sink.max_line, sink.error_body.size());
    sink.error_body.append(data, std::min(room, n));
    if (n > room) {
      sink.error_body_full = true;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  return sink.feed(std::string_view(data, n)) ? n : CURL_WRITEFUNC_ERROR;
}

struct MultiFree {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};

std::string normalised_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') {
    return std::string(path);
  }
  return "/" + std::string(path);
}

Error curl_unavailable() {
  return Error(ErrorCode::Internal, "libcurl failed to initialise");
}

} // namespace

nlohmann::json Response::json() const {
  return nlohmann::json::parse(body, nullptr, false);
}

struct RestClient::Handle {
  CURL* curl = curl_easy_init();

  Handle() = default;
  ~Handle() {
    if (curl != nullptr) {
      curl_easy_cleanup(curl);
    }
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

RestClient::RestClient(HostAddress address, std::string token, RestLimits limits)
    : address_(std::move(address)), token_(std::move(token)), limits_(limits) {}

RestClient::~RestClient() = default;

Result<Response> RestClient::request(std::string_view method, std::string_view path,
                                     const std::optional<nlohmann::json>& body,
                                     std::chrono::milliseconds timeout) {
  if (!curl_ready()) {
    return curl_unavailable();
  }
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  std::lock_guard lock(request_mutex_);
  if (!request_handle_) {
    request_handle_ = std::make_unique<Handle>();
  }
  CURL* curl = request_handle_->curl;
  if (curl == nullptr) {
    request_handle_.reset();
    return curl_unavailable();
  }
  // Forgets this call's options (they point into this frame) but keeps the open connection.
  struct Reset {
    CURL* curl;
    ~Reset() { curl_easy_reset(curl); }
  } reset{curl};

  const std::string target = normalised_path(path);
  const std::string url = base_url(address_) + target;
  const std::optional<std::string> body_text =
      body ? std::optional<std::string>(body->dump()) : std::nullopt;
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  bool connected = false;
  const bool has_timeout = timeout.count() > 0;
  const std::chrono::milliseconds connect_timeout =
      has_timeout ? std::min(timeout, limits_.connect_timeout) : limits_.connect_timeout;
  prepare(curl, address_, token_, method, url, body_text ? &*body_text : nullptr,
          "application/json", connect_timeout, headers, error_buffer, &connected);
  if (has_timeout) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  BodySink sink;
  sink.limit = limits_.max_body;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&sink));

  const CURLcode code = curl_easy_perform(curl);
  const Exchange exchange{method, target, timeout};
  if (sink.overflow) {
    return Error(ErrorCode::Internal, "the answer of aicd at " + address_.display() + " to " +
                                          std::string(method) + " " + target + " exceeds " +
                                          describe_size(limits_.max_body));
  }
  if (code != CURLE_OK) {
    return transfer_error(curl, code, error_buffer, connected, address_, exchange);
  }
  long status = 0;
  (void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) {
    return status_error(status, sink.body, address_);
  }
  Response response;
  response.status = static_cast<int>(status);
  response.body = std::move(sink.body);
  return response;
}

Result<void> RestClient::stream(std::string_view method, std::string_view path,
                                const std::optional<nlohmann::json>& body,
                                const std::function<bool(std::string_view line)>& on_line,
                                const std::atomic<bool>* cancel) {
  if (!curl_ready()) {
    return curl_unavailable();
  }
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  Handle handle;
  std::unique_ptr<CURLM, MultiFree> multi(curl_multi_init());
  if (handle.curl == nullptr || multi == nullptr) {
    return curl_unavailable();
  }
  CURL* curl = handle.curl;

  const std::string target = normalised_path(path);
  const std::string url = base_url(address_) + target;
  const std::optional<std::string> body_text =
      body ? std::optional<std::string>(body->dump()) : std::nullopt;
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  bool connected = false;
  prepare(curl, address_, token_, method, url, body_text ? &*body_text : nullptr,
          "application/x-ndjson, application/json", limits_.connect_timeout, headers, error_buffer,
          &connected);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  LineSink sink;
  sink.curl = curl;
  sink.on_line = &on_line;
  sink.max_line = limits_.max_line;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_lines);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&sink));

  if (curl_multi_add_handle(multi.get(), curl) != CURLM_OK) {
    return curl_unavailable();
  }
  struct Detach {
    CURLM* multi;
    CURL* curl;
    ~Detach() { curl_multi_remove_handle(multi, curl); }
  } detach{multi.get(), curl};

  // The multi interface rather than curl_easy_perform: its poll wakes every 100 ms, so a cancel
  // is noticed promptly even while aicd sends nothing (easy_perform's progress callback can be
  // a second apart).
  bool cancelled = false;
  for (;;) {
    int running = 0;
    const CURLMcode performed = curl_multi_perform(multi.get(), &running);
    if (performed != CURLM_OK) {
      return Error(ErrorCode::Internal, "following " + std::string(method) + " " + target +
                                            " from aicd at " + address_.display() +
                                            " failed: " + curl_multi_strerror(performed));
    }
    if (running == 0) {
      break;
    }
    if (cancel != nullptr && cancel->load()) {
      cancelled = true;
      break;
    }
    const CURLMcode polled = curl_multi_poll(
        multi.get(), nullptr, 0, static_cast<int>(kCancelPollInterval.count()), nullptr);
    if (polled != CURLM_OK) {
      return Error(ErrorCode::Internal, "following " + std::string(method) + " " + target +
                                            " from aicd at " + address_.display() +
                                            " failed: " + curl_multi_strerror(polled));
    }
  }
  if (cancelled || sink.stopped) {
    return {};
  }
  if (sink.line_too_long) {
    return Error(ErrorCode::Internal, "aicd at " + address_.display() + " sent a line over " +
                                          describe_size(limits_.max_line) + " in answer to " +
                                          std::string(method) + " " + target);
  }
  CURLcode code = CURLE_OK;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == curl) {
      code = message->data.result;
    }
  }
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.error_body_full)) {
    return transfer_error(curl, code, error_buffer, connected, address_,
                          Exchange{method, target, {}});
  }
  long status = 0;
  (void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) {
    return status_error(status, sink.error_body, address_);
  }
  if (!sink.pending.empty()) {
    (void)sink.deliver(sink.pending);
  }
  return {};
}

namespace {

/// What download() does with the answer: headers, then the body pieces of a 2xx answer; an error
/// body kept whole (within max_line).
struct RawSink {
  CURL* curl = nullptr;
  const std::function<bool(const std::map<std::string, std::string>&)>* on_headers = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  std::size_t max_error = 0;
  long status = 0;
  std::map<std::string, std::string> headers;
  bool headers_delivered = false;
  std::string error_body;
  bool stopped = false;
  bool error_body_full = false;
};

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<RawSink*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    sink.headers.clear(); // a new answer (after a 100 Continue)
    return n;
  }
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    sink.headers[name] = std::string(trim_space(line.substr(colon + 1)));
  }
  return n;
}

std::size_t write_raw(char* data, std::size_t size, std::size_t count, void* user) {
  auto& sink = *static_cast<RawSink*>(user);
  const std::size_t n = size * count;
  if (sink.status == 0) {
    (void)curl_easy_getinfo(sink.curl, CURLINFO_RESPONSE_CODE, &sink.status);
  }
  if (!is_success(sink.status)) {
    const std::size_t room = sink.max_error - std::min(sink.max_error, sink.error_body.size());
    sink.error_body.append(data, std::min(room, n));
    if (n > room) {
      sink.error_body_full = true;
      return CURL_WRITEFUNC_ERROR;
    }
    return n;
  }
  if (!sink.headers_delivered) {
    sink.headers_delivered = true;
    if (!(*sink.on_headers)(sink.headers)) {
      sink.stopped = true;
      return CURL_WRITEFUNC_ERROR;
    }
  }
  if (!(*sink.on_data)(std::string_view(data, n))) {
    sink.stopped = true;
    return CURL_WRITEFUNC_ERROR;
  }
  return n;
}

} // namespace

Result<void> RestClient::download(
    std::string_view path,
    const std::function<bool(const std::map<std::string, std::string>&)>& on_headers,
    const std::function<bool(std::string_view bytes)>& on_data, const std::atomic<bool>* cancel) {
  if (!curl_ready()) {
    return curl_unavailable();
  }
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  Handle handle;
  std::unique_ptr<CURLM, MultiFree> multi(curl_multi_init());
  if (handle.curl == nullptr || multi == nullptr) {
    return curl_unavailable();
  }
  CURL* curl = handle.curl;
  const std::string target = normalised_path(path);
  const std::string url = base_url(address_) + target;
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  bool connected = false;
  prepare(curl, address_, token_, "GET", url, nullptr, "application/x-tar, application/json",
          limits_.connect_timeout, headers, error_buffer, &connected);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  RawSink sink;
  sink.curl = curl;
  sink.on_headers = &on_headers;
  sink.on_data = &on_data;
  sink.max_error = limits_.max_line;
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &collect_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, static_cast<void*>(&sink));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_raw);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  if (curl_multi_add_handle(multi.get(), curl) != CURLM_OK) {
    return curl_unavailable();
  }
  struct Detach {
    CURLM* multi;
    CURL* curl;
    ~Detach() { curl_multi_remove_handle(multi, curl); }
  } detach{multi.get(), curl};

  for (;;) {
    int running = 0;
    const CURLMcode performed = curl_multi_perform(multi.get(), &running);
    if (performed != CURLM_OK) {
      return Error(ErrorCode::Internal, "downloading " + target + " from aicd at " +
                                            address_.display() +
                                            " failed: " + curl_multi_strerror(performed));
    }
    if (running == 0) {
      break;
    }
    if (cancel != nullptr && cancel->load()) {
      return {};
    }
    const CURLMcode polled = curl_multi_poll(
        multi.get(), nullptr, 0, static_cast<int>(kCancelPollInterval.count()), nullptr);
    if (polled != CURLM_OK) {
      return Error(ErrorCode::Internal, "downloading " + target + " from aicd at " +
                                            address_.display() +
                                            " failed: " + curl_multi_strerror(polled));
    }
  }
  if (sink.stopped) {
    return {};
  }
  CURLcode code = CURLE_OK;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
    if (message->msg == CURLMSG_DONE && message->easy_handle == curl) {
      code = message->data.result;
    }
  }
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.error_body_full)) {
    return transfer_error(curl, code, error_buffer, connected, address_,
                          Exchange{"GET", target, {}});
  }
  long status = 0;
  (void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) {
    return status_error(status, sink.error_body, address_);
  }
  if (!sink.headers_delivered) {
    (void)on_headers(sink.headers); // a 2xx answer without a body
  }
  return {};
}

Result<Response> RestClient::upload(std::string_view method, std::string_view path,
                                    std::string_view content_type, std::string_view body,
                                    std::chrono::milliseconds timeout) {
  if (!curl_ready()) {
    return curl_unavailable();
  }
  if (has_control_characters(token_)) {
    return Error(ErrorCode::InvalidSpec, "the aicd token contains control characters");
  }
  Handle handle;
  if (handle.curl == nullptr) {
    return curl_unavailable();
  }
  CURL* curl = handle.curl;
  const std::string target = normalised_path(path);
  const std::string url = base_url(address_) + target;
  HeaderList prepared;
  char error_buffer[CURL_ERROR_SIZE] = {};
  bool connected = false;
  const bool has_timeout = timeout.count() > 0;
  const std::chrono::milliseconds connect_timeout =
      has_timeout ? std::min(timeout, limits_.connect_timeout) : limits_.connect_timeout;
  prepare(curl, address_, token_, method, url, nullptr, "application/json", connect_timeout,
          prepared, error_buffer, &connected);
  // The body as it is, with its own type, instead of prepare()'s empty one.
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  HeaderList headers;
  headers.add("Accept: application/json");
  headers.add("Content-Type: " + std::string(content_type));
  headers.add("Expect:");
  if (!token_.empty()) {
    headers.add("Authorization: Bearer " + token_);
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  if (has_timeout) {
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  }
  BodySink sink;
  sink.limit = limits_.max_body;
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, static_cast<void*>(&sink));
  const CURLcode code = curl_easy_perform(curl);
  const Exchange exchange{method, target, timeout};
  if (sink.overflow) {
    return Error(ErrorCode::Internal, "the answer of aicd at " + address_.display() + " to " +
                                          std::string(method) + " " + target + " exceeds " +
                                          describe_size(limits_.max_body));
  }
  if (code != CURLE_OK) {
    return transfer_error(curl, code, error_buffer, connected, address_, exchange);
  }
  long status = 0;
  (void)curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) {
    return status_error(status, sink.body, address_);
  }
  Response response;
  response.status = static_cast<int>(status);
  response.body = std::move(sink.body);
  return response;
}

} // namespace aic::cli
