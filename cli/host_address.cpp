#include "cli/host_address.hpp"

#include <algorithm>
#include <charconv>

namespace aic::cli {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool valid_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(),
                     [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; });
}

// The inside of "[...]": hex groups and colons, an optional IPv4 tail and an optional "%zone".
bool valid_ipv6(std::string_view host) {
  const std::size_t percent = host.find('%');
  const std::string_view address = host.substr(0, percent);
  if (address.find(':') == std::string_view::npos) {
    return false;
  }
  if (!std::all_of(address.begin(), address.end(),
                   [](char c) { return is_hex(c) || c == ':' || c == '.'; })) {
    return false;
  }
  if (percent == std::string_view::npos) {
    return true;
  }
  const std::string_view zone = host.substr(percent + 1);
  return !zone.empty() && std::all_of(zone.begin(), zone.end(), [](char c) {
    return is_alnum(c) || c == '-' || c == '_' || c == '.';
  });
}

Error invalid_host(std::string_view value, std::string_view why) {
  return Error(ErrorCode::InvalidSpec, "invalid aicd address \"" + std::string(value) +
                                           "\": " + std::string(why) + " (use " +
                                           std::string(kAddressForms) + ")");
}

// "host:port[/]" after "tcp://" or "http://".
Result<HostAddress> parse_tcp(std::string_view value, std::string_view rest) {
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.find('/') != std::string_view::npos) {
    return invalid_host(value, "a tcp address cannot have a path");
  }
  std::string_view host;
  std::string_view after_host;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return invalid_host(value, "missing ']' after the IPv6 address");
    }
    host = rest.substr(1, close - 1);
    if (!valid_ipv6(host)) {
      return invalid_host(value, "invalid IPv6 address \"" + std::string(host) + "\"");
    }
    after_host = rest.substr(close + 1);
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos && colon != rest.rfind(':')) {
      return invalid_host(value, "an IPv6 address must be in brackets, as in tcp://[::1]:8080");
    }
    host = rest.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
    if (!valid_host_name(host)) {
      return invalid_host(value, "invalid host \"" + std::string(host) + "\"");
    }
  }
  if (host.empty()) {
    return invalid_host(value, "missing host");
  }
  if (after_host.empty() || after_host == ":") {
    return invalid_host(value, "missing port");
  }
  if (after_host.front() != ':') {
    return invalid_host(value, "unexpected \"" + std::string(after_host) + "\" after the host");
  }
  const std::string_view port = after_host.substr(1);
  int number = 0;
  const bool digits =
      std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (!digits || ec != std::errc() || end != port.data() + port.size() || number < 1 ||
      number > 65535) {
    return invalid_host(value, "invalid port \"" + std::string(port) + "\"");
  }
  HostAddress address;
  address.kind = HostAddress::Kind::Tcp;
  address.host = std::string(host);
  address.port = number;
  return address;
}

const std::string* find_env(const std::map<std::string, std::string>& environment,
                            const std::string& name) {
  const auto it = environment.find(name);
  return it == environment.end() ? nullptr : &it->second;
}

} // namespace

std::string_view trim_space(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string HostAddress::display() const {
  if (kind == Kind::Unix) {
    return "unix://" + path;
  }
  const bool ipv6 = host.find(':') != std::string::npos;
  return std::string(tls ? "https://" : "tcp://") + (ipv6 ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<HostAddress> parse_host(std::string_view value) {
  const std::string_view text = trim_space(value);
  if (text.empty()) {
    return invalid_host(value, "empty address");
  }
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    return invalid_host(value, "missing scheme");
  }
  const std::string_view scheme = text.substr(0, separator);
  const std::string_view rest = text.substr(separator + 3);
  if (scheme == "unix") {
    if (rest.empty() || rest.front() != '/') {
      return invalid_host(value, "the socket path must be absolute");
    }
    if (rest.back() == '/') {
      return invalid_host(value, "the socket path names a directory");
    }
    if (has_control_characters(rest) || rest.find("://") != std::string_view::npos) {
      return invalid_host(value, "invalid socket path");
    }
    HostAddress address;
    address.path = std::string(rest);
    return address;
  }
  if (scheme == "tcp" || scheme == "http") {
    return parse_tcp(value, rest);
  }
  if (scheme == "https") {
    auto address = parse_tcp(value, rest);
    if (address) {
      address->tls = true;
    }
    return address;
  }
  if (scheme.empty()) {
    return invalid_host(value, "missing scheme");
  }
  return invalid_host(value, "the " + std::string(scheme) + " scheme is not supported");
}

HostAddress default_host() {
  HostAddress address;
  address.path = std::string(kDefaultAicdSocket);
  return address;
}

Result<HostAddress> resolve_host(const std::optional<std::string>& flag,
                                 const std::map<std::string, std::string>& environment,
                                 const std::optional<std::string>& ca_flag) {
  Result<HostAddress> parsed = default_host();
  if (flag) {
    parsed = parse_host(*flag);
    if (!parsed) {
      return std::move(parsed).error().with_context("--host");
    }
  } else if (const std::string* env = find_env(environment, "AIC_HOST");
             env != nullptr && !env->empty()) {
    parsed = parse_host(*env);
    if (!parsed) {
      return std::move(parsed).error().with_context("AIC_HOST");
    }
  }
  if (parsed->tls) {
    if (ca_flag) {
      parsed->tls_ca_file = *ca_flag;
    } else if (const std::string* ca = find_env(environment, "AIC_TLS_CA_CERT"); ca != nullptr) {
      parsed->tls_ca_file = *ca;
    }
  }
  return parsed;
}

std::string resolve_token(const std::optional<std::string>& flag,
                          const std::map<std::string, std::string>& environment) {
  if (flag) {
    return *flag;
  }
  const std::string* env = find_env(environment, "AIC_TOKEN");
  return env != nullptr ? *env : std::string();
}

} // namespace aic::cli
