#include "supervisor/supervision_file.hpp"

#include <nlohmann/json.hpp>

namespace aic::supervisor {
namespace {

health::Time from_ns(std::int64_t ns) {
  return health::Time{} + std::chrono::nanoseconds(ns);
}

} // namespace

std::string encode_supervision_file(const std::string& project, const SupervisionFile& file) {
  nlohmann::json budgets = nlohmann::json::object();
  for (const auto& [service, b] : file.budgets) {
    nlohmann::json times = nlohmann::json::array();
    for (health::Time t : b.attempts) {
      times.push_back(t.time_since_epoch().count());
    }
    budgets[service] = {{"attempts", times}, {"failed", b.failed}};
  }
  nlohmann::json j = {{"project", project},
                      {"watched_until", file.watched_until_ns},
                      {"budgets", budgets},
                      {"counts", file.container_restarts},
                      {"service_counts", file.service_restarts},
                      {"restarts", file.records}};
  return j.dump();
}

Result<SupervisionFile> decode_supervision_file(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Error(ErrorCode::Internal, "not a JSON object");
  }
  SupervisionFile file;
  try {
    if (auto it = j.find("budgets"); it != j.end() && it->is_object()) {
      for (const auto& [service, b] : it->items()) {
        health::ProjectSupervision::BudgetSnapshot snapshot;
        for (const auto& t : b.value("attempts", nlohmann::json::array())) {
          snapshot.attempts.push_back(from_ns(t.get<std::int64_t>()));
        }
        snapshot.failed = b.value("failed", false);
        file.budgets[service] = std::move(snapshot);
      }
    }
    for (const auto& r : j.value("restarts", nlohmann::json::array())) {
      file.records.push_back(r.get<proto::RestartRecord>());
    }
    file.container_restarts = j.value("counts", std::map<std::string, int>{});
    file.service_restarts = j.value("service_counts", std::map<std::string, int>{});
    file.watched_until_ns = j.value("watched_until", std::int64_t{0});
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::Internal, std::string("unreadable: ") + e.what());
  }
  return file;
}

} // namespace aic::supervisor
