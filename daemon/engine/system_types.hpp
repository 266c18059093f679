#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace aic::engine {

/// GET /version.
struct EngineVersion {
  std::string version;         ///< the engine release, "20.10.24"
  std::string api_version;     ///< the newest API the engine speaks, "1.41"
  std::string min_api_version; ///< the oldest API the engine still accepts, "1.12"
  std::string os;
  std::string arch;
  std::string kernel_version;

  bool operator==(const EngineVersion&) const = default;
};

/// GET /info: the parts aicd reports or decides on.
struct EngineInfo {
  std::string id;
  std::string name; ///< the engine host's name
  std::string server_version;
  std::string operating_system; ///< "Debian GNU/Linux 12 (bookworm)"
  std::string kernel_version;
  std::string driver;         ///< storage driver, "overlay2"
  std::string cgroup_version; ///< "1" or "2"
  std::int64_t containers = 0;
  std::int64_t images = 0;
  std::int64_t ncpu = 0;
  std::int64_t mem_total_bytes = 0;
  std::vector<std::string> runtimes; ///< names, sorted ("nvidia" when the toolkit is set up)
  std::string default_runtime;

  bool operator==(const EngineInfo&) const = default;
};

/// One object of the GET /events stream.
struct EngineEvent {
  std::string type;   ///< container, network, volume, image, …
  std::string action; ///< create, start, die, "exec_start: sh -c …", health_status: healthy, …
  std::string actor_id;                          ///< container id, network id, volume name, …
  std::map<std::string, std::string> attributes; ///< labels and e.g. "exitCode" on die
  std::int64_t time_ns = 0;                      ///< unix time in nanoseconds

  bool operator==(const EngineEvent&) const = default;
};

} // namespace aic::engine
