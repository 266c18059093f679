#pragma once

#include <map>
#include <string>

namespace aic::engine {

/// POST /volumes/create.
struct VolumeCreate {
  std::string name;   ///< "" lets the engine generate one
  std::string driver; ///< "" = local
  std::map<std::string, std::string> driver_opts;
  std::map<std::string, std::string> labels;

  bool operator==(const VolumeCreate&) const = default;
};

/// GET /volumes/{name}, and one entry of GET /volumes.
struct VolumeInspect {
  std::string name;
  std::string driver;
  std::string mountpoint; ///< host path of the volume's data
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> options; ///< the driver options it was created with
  std::string scope;                          ///< local or global
  std::string created_at;                     ///< RFC 3339

  bool operator==(const VolumeInspect&) const = default;
};

} // namespace aic::engine
