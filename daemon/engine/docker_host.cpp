#include "engine/docker_host.hpp"

#include "engine/text.hpp"

#include <charconv>
#include <system_error>

namespace aic::engine {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A DNS name or dotted IPv4 address; '_' is allowed because Docker's url.Parse allows it and
// container networks use such names.
bool valid_host_name(std::string_view host) {
  for (const char c : host) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_') {
      return false;
    }
  }
  return true;
}

// The inside of "[...]": hex groups and colons, an optional embedded IPv4 tail and an optional
// "%zone".
bool valid_ipv6(std::string_view host) {
  const std::size_t percent = host.find('%');
  const std::string_view address = host.substr(0, percent);
  if (address.find(':') == std::string_view::npos) {
    return false;
  }
  for (const char c : address) {
    if (!is_hex(c) && c != ':' && c != '.') {
      return false;
    }
  }
  if (percent != std::string_view::npos) {
    const std::string_view zone = host.substr(percent + 1);
    if (zone.empty()) {
      return false;
    }
    for (const char c : zone) {
      if (!is_alnum(c) && c != '-' && c != '_' && c != '.') {
        return false;
      }
    }
  }
  return true;
}

Error invalid(std::string_view value, std::string_view why) {
  return Error(ErrorCode::InvalidSpec,
               "DOCKER_HOST=" + std::string(value) + ": " + std::string(why));
}

// "host[:port][/]" after the scheme.
Result<EngineAddress> parse_tcp(std::string_view value, std::string_view rest) {
  if (!rest.empty() && rest.back() == '/') {
    rest.remove_suffix(1);
  }
  if (rest.find('/') != std::string_view::npos) {
    return invalid(value, "a tcp address cannot have a path");
  }
  EngineAddress address;
  address.kind = EngineAddress::Kind::Tcp;
  address.path.clear();
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return invalid(value, "missing ']' after the IPv6 address");
    }
    host = rest.substr(1, close - 1);
    if (!valid_ipv6(host)) {
      return invalid(value, "invalid IPv6 address \"" + std::string(host) + "\"");
    }
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid(value, "unexpected \"" + std::string(after) + "\" after the address");
      }
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != rest.rfind(':')) {
      return invalid(value, "an IPv6 address must be in brackets, as in tcp://[::1]:2375");
    }
    host = rest.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = rest.substr(colon + 1);
    }
    if (!valid_host_name(host)) {
      return invalid(value, "invalid host \"" + std::string(host) + "\"");
    }
  }
  address.host = host.empty() ? "localhost" : std::string(host);
  address.port = kDefaultDockerTcpPort;
  if (has_port && !port.empty()) {
    unsigned number = 0;
    bool digits = true;
    for (const char c : port) {
      digits = digits && c >= '0' && c <= '9';
    }
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (!digits || ec != std::errc() || end != port.data() + port.size() || number == 0 ||
        number > 65535) {
      return invalid(value, "invalid port \"" + std::string(port) + "\"");
    }
    address.port = static_cast<std::uint16_t>(number);
  }
  return address;
}

} // namespace

std::string EngineAddress::describe() const {
  if (kind == Kind::Unix) {
    return "unix://" + path;
  }
  const bool ipv6 = host.find(':') != std::string::npos;
  return "tcp://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<EngineAddress> parse_docker_host(std::string_view value) {
  const std::string_view text = trim_space(value);
  if (text.empty()) {
    return EngineAddress{};
  }
  const std::size_t separator = text.find("://");
  if (separator == std::string_view::npos) {
    if (text.front() == '/') {
      return invalid(value,
                     "a socket path needs the unix:// scheme, as in unix://" + std::string(text));
    }
    return parse_tcp(value, text);
  }
  const std::string_view scheme = text.substr(0, separator);
  const std::string_view rest = text.substr(separator + 3);
  if (scheme.empty()) {
    return invalid(value, "missing scheme before \"://\" (use unix:// or tcp://)");
  }
  if (scheme == "unix") {
    EngineAddress address;
    if (rest.empty()) {
      return address;
    }
    if (rest.front() != '/') {
      return invalid(value, "the socket path must be absolute");
    }
    if (rest.find("://") != std::string_view::npos) {
      return invalid(value, "invalid socket path");
    }
    address.path = std::string(rest);
    return address;
  }
  if (scheme == "tcp" || scheme == "http") {
    return parse_tcp(value, rest);
  }
  return invalid(value,
                 "the " + std::string(scheme) + " scheme is not supported (use unix:// or tcp://)");
}

Result<EngineAddress> engine_address_from_environment(const char* docker_host,
                                                      const char* tls_verify) {
  if (tls_verify != nullptr && *tls_verify != '\0') {
    return Error(ErrorCode::InvalidSpec,
                 "DOCKER_TLS_VERIFY=" + std::string(tls_verify) +
                     ": TLS is not supported; unset DOCKER_TLS_VERIFY and use a unix:// socket "
                     "or a plain tcp:// address");
  }
  return parse_docker_host(docker_host == nullptr ? "" : docker_host);
}

} // namespace aic::engine
