#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

namespace aic::engine {
namespace {

using wire::Json;
using wire::Node;

constexpr ApiVersion kApi144{1, 44};

Json encode_ipam(const Ipam& ipam) {
  Json out = Json::object();
  if (!ipam.driver.empty()) {
    out["Driver"] = ipam.driver;
  }
  if (!ipam.options.empty()) {
    out["Options"] = ipam.options;
  }
  if (!ipam.config.empty()) {
    Json pools = Json::array();
    for (const IpamPool& pool : ipam.config) {
      Json entry = Json::object();
      if (!pool.subnet.empty()) {
        entry["Subnet"] = pool.subnet;
      }
      if (!pool.ip_range.empty()) {
        entry["IPRange"] = pool.ip_range;
      }
      if (!pool.gateway.empty()) {
        entry["Gateway"] = pool.gateway;
      }
      if (!pool.auxiliary_addresses.empty()) {
        entry["AuxiliaryAddresses"] = pool.auxiliary_addresses;
      }
      pools.push_back(std::move(entry));
    }
    out["Config"] = std::move(pools);
  }
  return out;
}

void read_ipam(const Node& node, Ipam& ipam) {
  node["Driver"].read(ipam.driver);
  node["Options"].read(ipam.options);
  node["Config"].read_list(ipam.config, [](const Node& item, IpamPool& pool) {
    item["Subnet"].read(pool.subnet);
    item["IPRange"].read(pool.ip_range);
    item["Gateway"].read(pool.gateway);
    item["AuxiliaryAddresses"].read(pool.auxiliary_addresses);
  });
}

void read_network(const Node& root, NetworkInspect& out) {
  root["Id"].read(out.id);
  root["Name"].read(out.name);
  root["Driver"].read(out.driver);
  root["Scope"].read(out.scope);
  root["Internal"].read(out.internal);
  root["Attachable"].read(out.attachable);
  root["EnableIPv6"].read(out.enable_ipv6);
  root["Labels"].read(out.labels);
  root["Options"].read(out.options);
  read_ipam(root["IPAM"], out.ipam);
  root["Containers"].for_each_member([&](const std::string& id, const Node& item) {
    if (item.present() && !item.expect_object()) {
      return;
    }
    NetworkContainer container;
    item["Name"].read(container.name);
    item["IPv4Address"].read(container.ipv4_address);
    item["IPv6Address"].read(container.ipv6_address);
    item["MacAddress"].read(container.mac_address);
    out.containers.emplace(id, std::move(container));
  });
}

} // namespace

namespace wire {

Json encode_endpoint(const NetworkEndpoint& endpoint) {
  Json out = Json::object();
  if (!endpoint.aliases.empty()) {
    out["Aliases"] = endpoint.aliases;
  }
  if (!endpoint.ipv4_address.empty() || !endpoint.ipv6_address.empty()) {
    Json ipam = Json::object();
    if (!endpoint.ipv4_address.empty()) {
      ipam["IPv4Address"] = endpoint.ipv4_address;
    }
    if (!endpoint.ipv6_address.empty()) {
      ipam["IPv6Address"] = endpoint.ipv6_address;
    }
    out["IPAMConfig"] = std::move(ipam);
  }
  if (!endpoint.links.empty()) {
    out["Links"] = endpoint.links;
  }
  if (!endpoint.mac_address.empty()) {
    out["MacAddress"] = endpoint.mac_address;
  }
  if (!endpoint.driver_opts.empty()) {
    out["DriverOpts"] = endpoint.driver_opts;
  }
  return out;
}

} // namespace wire

std::string encode_network_create(const NetworkCreate& network, ApiVersion version) {
  Json body = Json::object();
  body["Name"] = network.name;
  if (!network.driver.empty()) {
    body["Driver"] = network.driver;
  }
  if (network.internal) {
    body["Internal"] = true;
  }
  if (network.attachable) {
    body["Attachable"] = true;
  }
  if (network.enable_ipv6) {
    body["EnableIPv6"] = true;
  }
  if (!network.options.empty()) {
    body["Options"] = network.options;
  }
  if (!network.labels.empty()) {
    body["Labels"] = network.labels;
  }
  Json ipam = encode_ipam(network.ipam);
  if (!ipam.empty()) {
    body["IPAM"] = std::move(ipam);
  }
  if (network.check_duplicate && version < kApi144) {
    body["CheckDuplicate"] = true;
  }
  return wire::dump(body);
}

std::string encode_network_connect(std::string_view container, const NetworkEndpoint& endpoint) {
  const Json body = {{"Container", std::string(container)},
                     {"EndpointConfig", wire::encode_endpoint(endpoint)}};
  return wire::dump(body);
}

Result<NetworkInspect> decode_network_inspect(std::string_view body) {
  return wire::decode_object<NetworkInspect>(body, "network inspect", read_network);
}

Result<std::vector<NetworkInspect>> decode_network_list(std::string_view body) {
  return wire::decode_array<NetworkInspect>(body, "network list", read_network);
}

} // namespace aic::engine
