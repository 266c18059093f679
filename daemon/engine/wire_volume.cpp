#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

namespace aic::engine {
namespace {

using wire::Json;
using wire::Node;

void read_volume(const Node& root, VolumeInspect& out) {
  root["Name"].read(out.name);
  root["Driver"].read(out.driver);
  root["Mountpoint"].read(out.mountpoint);
  root["Labels"].read(out.labels);
  root["Options"].read(out.options);
  root["Scope"].read(out.scope);
  root["CreatedAt"].read(out.created_at);
}

} // namespace

std::string encode_volume_create(const VolumeCreate& volume) {
  Json body = Json::object();
  if (!volume.name.empty()) {
    body["Name"] = volume.name;
  }
  if (!volume.driver.empty()) {
    body["Driver"] = volume.driver;
  }
  if (!volume.driver_opts.empty()) {
    body["DriverOpts"] = volume.driver_opts;
  }
  if (!volume.labels.empty()) {
    body["Labels"] = volume.labels;
  }
  return wire::dump(body);
}

Result<VolumeInspect> decode_volume_inspect(std::string_view body) {
  return wire::decode_object<VolumeInspect>(body, "volume inspect", read_volume);
}

Result<std::vector<VolumeInspect>> decode_volume_list(std::string_view body) {
  return wire::decode_object<std::vector<VolumeInspect>>(
      body, "volume list", [](const Node& root, std::vector<VolumeInspect>& out) {
        root["Volumes"].read_list(out, read_volume);
      });
}

} // namespace aic::engine
