#include "cli/commands/gpus_command.hpp"

#include "cli/commands/system_command.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {
namespace {

std::string size_text(std::uint64_t bytes) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  constexpr double kMiB = 1024.0 * 1024;
  char buf[32];
  if (static_cast<double>(bytes) >= kGiB) {
    std::snprintf(buf, sizeof buf, "%.4gGiB", static_cast<double>(bytes) / kGiB);
  } else if (bytes > 0) {
    std::snprintf(buf, sizeof buf, "%.4gMiB", static_cast<double>(bytes) / kMiB);
  } else {
    std::snprintf(buf, sizeof buf, "0B");
  }
  return buf;
}

std::string holder_text(const proto::GpuHolder& h) {
  std::string out = h.container + " (" + h.mode;
  if (h.memory > 0) {
    out += " " + size_text(h.memory);
  }
  if (h.foreign) {
    out += ", not aic's";
  }
  if (!h.state.empty() && h.state != "running") {
    out += ", " + h.state;
  }
  return out + ")";
}

int run_gpus(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& out = *inv.out;
  std::ostream& err = *inv.err;
  std::string format = args.last("format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error(err, "gpus", "invalid --format \"" + format + "\": use table or json");
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(err, client.error());
    return static_cast<int>(ExitCode::Usage);
  }
  Result<Response> answer = (*client)->request("GET", "/v1/gpus");
  if (!answer) {
    print_error(err, answer.error());
    return exit_code_for(answer.error());
  }
  proto::GpuStatus status;
  try {
    status = answer->json().get<proto::GpuStatus>();
  } catch (const nlohmann::json::exception& e) {
    err << "error: aicd sent an unexpected GPU status: " << e.what() << "\n";
    return static_cast<int>(ExitCode::Failure);
  }
  if (format == "json") {
    nlohmann::json j = status;
    out << j.dump() << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  out << render_gpus_table(status);
  for (const auto& w : status.warnings) {
    err << "warning: " << w << "\n";
  }
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

std::string render_gpus_table(const proto::GpuStatus& status) {
  std::string out = "source: " + status.source;
  if (status.source == "fake") {
    out += " (an inventory file, not this machine's GPUs)";
  }
  if (!status.driver_version.empty()) {
    out += ", driver " + status.driver_version;
  }
  out += ", policy: " + status.policy + "\n";
  if (status.devices.empty()) {
    out += "no GPUs" + (status.detail.empty() ? std::string() : ": " + status.detail) + "\n";
    return out;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"GPU", "UUID", "NAME", "MEMORY USED", "RESERVED", "UTIL", "HELD BY"});
  for (const auto& d : status.devices) {
    std::string held;
    for (const auto& h : d.holders) {
      held += (held.empty() ? "" : ", ") + holder_text(h);
    }
    std::string index = std::to_string(d.index);
    if (d.mig) {
      index += " (MIG)";
    }
    if (!d.healthy) {
      index += " (unhealthy)";
    }
    rows.push_back(
        {index, d.uuid, d.name, size_text(d.memory_used) + " / " + size_text(d.memory_total),
         size_text(d.memory_reserved),
         d.utilization < 0 ? "-" : std::to_string(d.utilization) + "%", held.empty() ? "-" : held});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line += std::string(widths[i] - row[i].size() + 3, ' ');
      }
    }
    out += line + "\n";
  }
  return out;
}

CommandSpec gpus_command() {
  CommandSpec c;
  c.name = "gpus";
  c.summary = "List the GPUs aicd schedules on and which containers hold them";
  c.usage = "[OPTIONS]";
  c.flags = {{"format", 0, true, "FORMAT", "Format the output: table or json"}};
  std::vector<FlagSpec> daemon = daemon_flag_specs();
  c.flags.insert(c.flags.end(), daemon.begin(), daemon.end());
  c.project = false;
  c.positionals = Positionals::None;
  c.run = run_gpus;
  return c;
}

} // namespace aic::cli
