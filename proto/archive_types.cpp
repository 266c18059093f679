#include "proto/archive_types.hpp"

#include "proto/json_fields.hpp"

#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

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
  read_field(j, "name", v.name);
  read_field(j, "size", v.size);
  read_field(j, "mode", v.mode);
  read_field(j, "mtime", v.mtime);
  read_field(j, "link_target", v.link_target);
}

void to_json(nlohmann::json& j, const ArchiveTarget& v) {
  j = {{"container", v.container},
       {"service", v.service},
       {"number", v.number},
       {"oneoff", v.oneoff},
       {"stat", v.stat ? nlohmann::json(*v.stat) : nlohmann::json(nullptr)}};
}

void from_json(const nlohmann::json& j, ArchiveTarget& v) {
  read_field(j, "container", v.container);
  read_field(j, "service", v.service);
  read_field(j, "number", v.number);
  read_field(j, "oneoff", v.oneoff);
  if (auto it = j.find("stat"); it != j.end() && !it->is_null()) {
    v.stat = it->get<PathStat>();
  }
}

} // namespace aic::proto
