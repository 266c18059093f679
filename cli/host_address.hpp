#pragma once

// Where aicd listens, as the aic command is told (--host, AIC_HOST, the default socket), and the
// bearer token it sends (--token, AIC_TOKEN).

#include "core/result.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace aic::cli {

/// The address forms --host and AIC_HOST accept, for messages.
inline constexpr std::string_view kAddressForms =
    "unix:///path/to/aicd.sock, tcp://host:port or https://host:port";

/// The socket aicd listens on unless told otherwise.
inline constexpr std::string_view kDefaultAicdSocket = "/run/aic/aicd.sock";

/// Where aicd listens: a unix socket path, or a TCP host and port.
struct HostAddress {
  enum class Kind : std::uint8_t { Unix, Tcp };

  Kind kind = Kind::Unix;
  std::string path; ///< Unix only: absolute
  std::string host; ///< Tcp only: name or IP, IPv6 without brackets
  int port = 0;     ///< Tcp only: 1..65535
  bool tls = false; ///< Tcp only: https://, aicd started with --tlscert
  /// TLS only: the CA certificates (PEM) aicd's certificate is verified with; "" for the
  /// system's trust store (--tlscacert, AIC_TLS_CA_CERT).
  std::string tls_ca_file;

  /// "unix:///run/aic/aicd.sock", "tcp://host:8080", "tcp://[::1]:8080" or "https://host:8443".
  std::string display() const;

  bool operator==(const HostAddress&) const = default;
};

/// Parses "unix:///abs/path", "tcp://host:port" ("http://" is an alias of "tcp://") or
/// "https://host:port" (TCP with TLS); IPv6 hosts in brackets; surrounding whitespace ignored.
/// Anything else is an InvalidSpec error quoting the value and saying which forms are accepted.
Result<HostAddress> parse_host(std::string_view value);

/// unix:///run/aic/aicd.sock.
HostAddress default_host();

/// The address from `--host` (when given), else AIC_HOST (when set and not empty), else the
/// default; an invalid value is an InvalidSpec error with "--host" or "AIC_HOST" as context.
/// For https://, the CA file is `ca_flag` (--tlscacert) when given, else AIC_TLS_CA_CERT.
Result<HostAddress> resolve_host(const std::optional<std::string>& flag,
                                 const std::map<std::string, std::string>& environment,
                                 const std::optional<std::string>& ca_flag = std::nullopt);

/// The bearer token from `--token` (when given, even empty), else AIC_TOKEN, else "" (none).
std::string resolve_token(const std::optional<std::string>& flag,
                          const std::map<std::string, std::string>& environment);

/// `s` without leading and trailing spaces, tabs, CR and LF.
std::string_view trim_space(std::string_view s);

/// True when `text` has a control character (CR, LF, …), which must not reach a header.
bool has_control_characters(std::string_view text);

} // namespace aic::cli
