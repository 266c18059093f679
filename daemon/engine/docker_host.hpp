#pragma once

// Where the engine listens, from DOCKER_HOST, read like the docker CLI's opts.ParseHost for the
// two transports aic speaks: a unix socket and plain TCP. TLS, ssh and Windows named pipes are
// refused with a message that says so rather than being half-supported.

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace aic::engine {

/// The socket path every engine listens on unless told otherwise.
inline constexpr std::string_view kDefaultDockerSocket = "/var/run/docker.sock";
/// The plain-TCP engine port Docker assumes when DOCKER_HOST names none.
inline constexpr std::uint16_t kDefaultDockerTcpPort = 2375;

/// A parsed DOCKER_HOST: a unix socket path, or a TCP host and port.
struct EngineAddress {
  enum class Kind : std::uint8_t { Unix, Tcp };

  Kind kind = Kind::Unix;
  std::string path = std::string(kDefaultDockerSocket); // Unix only: absolute
  std::string host;                                     // Tcp only: name or IP, no brackets
  std::uint16_t port = 0;                               // Tcp only

  /// "unix:///var/run/docker.sock", "tcp://host:2375" or "tcp://[::1]:2375".
  std::string describe() const;

  bool operator==(const EngineAddress&) const = default;
};

/// Parses a DOCKER_HOST value (surrounding whitespace ignored). "" is the default socket;
/// "unix:///abs/path" ("unix://" alone is the default socket); "tcp://host[:port][/]" and
/// "http://..." with port 2375 by default, "localhost" when the host is empty and IPv6 hosts in
/// brackets; a value without "://" is a TCP address, as in Docker. Other schemes (https, ssh,
/// npipe, fd, ...) and malformed addresses are InvalidSpec errors quoting the value.
Result<EngineAddress> parse_docker_host(std::string_view value);

/// The address from the DOCKER_HOST and DOCKER_TLS_VERIFY environment values (null when unset).
/// A non-empty DOCKER_TLS_VERIFY, which makes the docker CLI use TLS, is an InvalidSpec error:
/// aic does not speak TLS to the engine.
Result<EngineAddress> engine_address_from_environment(const char* docker_host,
                                                      const char* tls_verify);

} // namespace aic::engine
