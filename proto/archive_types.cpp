#include "proto/archive_types.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

template <typename T>
void read(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) {
    it->get_to(out);
  }
}

/// Go's os.ModeType: every bit that makes a file something other than a regular file.
constexpr std::uint32_t kModeType =
    (1U << 31U) | (1U << 27U) | (1U << 26U) | (1U << 25U) | (1U << 24U) | (1U << 21U) | (1U << 19U);

} // namespace

bool PathStat::is_regular() const {
  return (mode & kModeType) == 0;
}

void to_json(nlohmann::json& j, const PathStat& v) {
  j = {{"name", v.name},
       {"size", v.size},
       {"mode", v.mode},
       {"mtime", v.mtime},
       {"link_target", v.link_target}};
}

void from_json(const nlohmann::json& j, PathStat& v) {
  read(j, "name", v.name);
  read(j, "size", v.size);
  read(j, "mode", v.mode);
  read(j, "mtime", v.mtime);
  read(j, "link_target", v.link_target);
}

void to_json(nlohmann::json& j, const ArchiveTarget& v) {
  j = {{"container", v.container},
       {"service", v.service},
       {"number", v.number},
       {"oneoff", v.oneoff},
       {"stat", v.stat ? nlohmann::json(*v.stat) : nlohmann::json(nullptr)}};
}

void from_json(const nlohmann::json& j, ArchiveTarget& v) {
  read(j, "container", v.container);
  read(j, "service", v.service);
  read(j, "number", v.number);
  read(j, "oneoff", v.oneoff);
  if (auto it = j.find("stat"); it != j.end() && !it->is_null()) {
    v.stat = it->get<PathStat>();
  }
}

} // namespace aic::proto
