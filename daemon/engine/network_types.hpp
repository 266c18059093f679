#pragma once

#include <map>
#include <string>
#include <vector>

namespace aic::engine {

/// One address pool of a network's IPAM configuration.
struct IpamPool {
  std::string subnet;   ///< CIDR, "172.28.0.0/16"
  std::string ip_range; ///< CIDR inside subnet that container addresses are taken from
  std::string gateway;
  std::map<std::string, std::string> auxiliary_addresses; ///< host name → address kept out of use

  bool operator==(const IpamPool&) const = default;
};

/// IP address management of a network; all empty means the engine's defaults.
struct Ipam {
  std::string driver; ///< "" or "default" for the built-in allocator
  std::map<std::string, std::string> options;
  std::vector<IpamPool> config;

  bool operator==(const Ipam&) const = default;
};

/// POST /networks/create.
struct NetworkCreate {
  std::string name;
  std::string driver; ///< "" lets the engine choose (bridge)
  bool internal = false;
  bool attachable = false;
  bool enable_ipv6 = false;
  std::map<std::string, std::string> options; ///< driver options
  std::map<std::string, std::string> labels;
  Ipam ipam;
  /// Asks engines before API 1.44 to refuse a duplicate name; 1.44 made that the only behaviour
  /// and deprecated the field, so it is sent only below 1.44.
  bool check_duplicate = false;

  bool operator==(const NetworkCreate&) const = default;
};

/// A container's endpoint on a network, as GET /networks/{id} lists it.
struct NetworkContainer {
  std::string name;         ///< the container's name, without '/'
  std::string ipv4_address; ///< CIDR, "172.18.0.2/16"
  std::string ipv6_address; ///< CIDR, or ""
  std::string mac_address;

  bool operator==(const NetworkContainer&) const = default;
};

/// GET /networks/{id}, and one entry of GET /networks (where containers stays empty).
struct NetworkInspect {
  std::string id;
  std::string name;
  std::string driver;
  std::string scope; ///< local, global or swarm
  bool internal = false;
  bool attachable = false;
  bool enable_ipv6 = false;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options;
  Ipam ipam;
  std::map<std::string, NetworkContainer> containers; ///< by container id

  bool operator==(const NetworkInspect&) const = default;
};

/// What a container asks of one network it joins: at create (NetworkingConfig) or through
/// POST /networks/{id}/connect. Empty fields are left to the engine.
struct NetworkEndpoint {
  std::vector<std::string> aliases;
  std::string ipv4_address; ///< a fixed address, no prefix length
  std::string ipv6_address;
  std::vector<std::string> links; ///< legacy "container:alias" links on this network
  /// Honoured per network from API 1.44; below that only the container-wide Config.MacAddress is.
  std::string mac_address;
  std::map<std::string, std::string> driver_opts;

  bool operator==(const NetworkEndpoint&) const = default;
};

} // namespace aic::engine
