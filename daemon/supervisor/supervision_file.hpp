#pragma once

// The state aicd keeps per supervised project, `<state_dir>/supervision/<project>.json`: what
// the engine cannot hold (restart budgets, counts, the latest records, when aicd last watched).

#include "core/result.hpp"
#include "health/supervision.hpp"
#include "proto/project_types.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

namespace aic::supervisor {

struct SupervisionFile {
  std::int64_t watched_until_ns = 0; ///< unix nanoseconds; 0 when never saved
  std::map<std::string, health::ProjectSupervision::BudgetSnapshot> budgets; ///< by service
  std::map<std::string, int> container_restarts;                             ///< by name
  std::map<std::string, int> service_restarts;
  std::deque<proto::RestartRecord> records; ///< oldest first

  bool operator==(const SupervisionFile&) const = default;
};

/// The file's JSON text.
std::string encode_supervision_file(const std::string& project, const SupervisionFile& file);
/// Reads the text back; an Internal error naming what is wrong when it is not such a file.
Result<SupervisionFile> decode_supervision_file(std::string_view text);

} // namespace aic::supervisor
