#pragma once

#include "core/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// The long form of one port mapping, as `docker compose config` prints it.
struct PortSpec {
  std::string host_ip;   // "" when not given; IPv6 without brackets
  int target = 0;        // container port
  std::string published; // "" when not published; "8080", or a range "8000-8010"
  std::string protocol = "tcp";
  std::string mode = "ingress";

  bool operator==(const PortSpec&) const = default;
};

/// Parses "[ip:][host[-range]:]container[-range][/proto]" as compose-go does (docker
/// go-connections nat.ParsePortSpec, then compose-go's ParsePortConfig): a container range yields
/// one PortSpec per port, paired 1:1 with a host range of equal length; a host range with a single
/// container port stays published as "a-b". Entries come in compose-go's order: sorted by the
/// decimal text of the target ("10" before "8"). Host ports are normalised ("08080" → "8080"),
/// protocols lower-cased (tcp, udp, sctp), IPv6 ips may be bracketed ("[::1]:80:80") or not
/// ("::1:80:80"). InvalidSpec: `invalid port "abc"`, `port 70000 out of range`,
/// `invalid port range "9-3"`, `invalid protocol "sctpx"`, `invalid IP address "1.2.3"`,
/// `host and container port ranges differ in length: "8000-8002:80-81"`,
/// `invalid port "8080:": no container port`.
Result<std::vector<PortSpec>> parse_port(std::string_view spec);

/// Checks the long syntax's `published`: a port or a range "a-b", each 0–65535, the end not below
/// the start. InvalidSpec as parse_port's: `port 99999 out of range`, `invalid port "x"`.
Result<void> check_published_port(std::string_view text);

/// The long form of one short-syntax volume entry.
struct VolumeSpec {
  std::string type;   // "bind" or "volume" from the short syntax
  std::string source; // "" for an anonymous volume; bind sources as written
  std::string target; // cleaned with clean_path, always absolute
  bool read_only = false;
  std::string consistency; // never set by the short syntax (compose-go ignores it)
  std::string selinux;     // "z" or "Z"
  bool nocopy = false;
  std::string propagation;       // rprivate, private, rshared, shared, rslave, slave
  bool create_host_path = false; // true for every short-syntax bind, as compose-go sets it
  /// Options that compose-go accepts and ignores (unknown words, consistency values, empty
  /// items), in order; callers may warn about them.
  std::vector<std::string> ignored_options;

  bool operator==(const VolumeSpec&) const = default;
};

/// Parses "src:dst[:opts]" or "dst" as compose-go's format.ParseVolume does. A source starting
/// with '.', '/', '~' (or `\\`) is a bind, any other source a named volume, a lone path an
/// anonymous volume. Options (comma-separated): ro, rw (last wins), z, Z, nocopy and the
/// propagation modes; they are recorded whatever the type, as compose-go does; anything else is
/// ignored (see ignored_options). `${…}` (left by `$${…}` escapes) may contain colons. Windows
/// drive letters are not recognised. InvalidSpec: `empty volume specification`,
/// `invalid volume specification "a:b:c:d": too many colons`,
/// `invalid volume specification "a::b": empty section between colons`,
/// `volume target "relative" must be an absolute path`.
Result<VolumeSpec> parse_volume(std::string_view spec);

/// Go's path.Clean for slash-separated paths: "" is ".", "//a/./b/../c/" is "/a/c".
std::string clean_path(std::string_view path);

} // namespace aic::compose
