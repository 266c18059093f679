#include "cli/commands/inspect_command.hpp"

#include "cli/commands/ps_logs_command.hpp"
#include "cli/daemon_connection.hpp"
#include "cli/project_flags.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {
namespace {

/// GET `suffix` of the project (after -p / the files name it) as JSON; prints the error and
/// returns nullopt (with `code` set) on failure.
std::optional<nlohmann::json> get_project_json(const Invocation& inv, const ParsedArgs& args,
                                               const std::string& suffix, int& code) {
  Result<std::string> name = project_name_from(args, inv);
  if (!name) {
    print_error(*inv.err, name.error());
    code = static_cast<int>(ExitCode::Failure);
    return std::nullopt;
  }
  Result<std::unique_ptr<RestClient>> client = connect_daemon(args, inv);
  if (!client) {
    print_error(*inv.err, client.error());
    code = static_cast<int>(ExitCode::Usage);
    return std::nullopt;
  }
  Result<Response> answer = (*client)->request("GET", project_path(*name) + suffix);
  if (!answer) {
    print_error(*inv.err, answer.error());
    code = exit_code_for(answer.error());
    return std::nullopt;
  }
  nlohmann::json j = answer->json();
  if (j.is_discarded()) {
    *inv.err << "error: aicd sent an answer that is not JSON\n";
    code = static_cast<int>(ExitCode::Failure);
    return std::nullopt;
  }
  return j;
}

std::string services_query(const ParsedArgs& args) {
  std::string services;
  for (const auto& s : args.positionals()) {
    services += (services.empty() ? "" : ",") + s;
  }
  return services.empty() ? "" : "?services=" + services;
}

void print_rows(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) {
    return;
  }
  std::vector<std::size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], r[i].size());
    }
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size() && i < widths.size()) {
        line += std::string(widths[i] - r[i].size() + 3, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << "\n";
  }
}

std::string text_of(const nlohmann::json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

int run_top(const Invocation& inv, const ParsedArgs& args) {
  int code = 0;
  std::optional<nlohmann::json> list =
      get_project_json(inv, args, "/top" + services_query(args), code);
  if (!list) {
    return code;
  }
  bool first = true;
  for (const auto& entry : *list) {
    if (!first) {
      *inv.out << "\n";
    }
    first = false;
    *inv.out << entry.value("container", "") << "\n";
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> titles;
    for (const auto& t : entry.value("titles", nlohmann::json::array())) {
      titles.push_back(text_of(t));
    }
    rows.push_back(titles);
    for (const auto& p : entry.value("processes", nlohmann::json::array())) {
      std::vector<std::string> row;
      for (const auto& cell : p) {
        row.push_back(text_of(cell));
      }
      rows.push_back(row);
    }
    print_rows(*inv.out, rows);
  }
  return static_cast<int>(ExitCode::Ok);
}

int run_port(const Invocation& inv, const ParsedArgs& args) {
  const auto& pos = args.positionals();
  if (pos.size() != 2) {
    return usage_error(*inv.err, "port", "port needs SERVICE and PRIVATE_PORT");
  }
  std::optional<int> port = parse_count(pos[1]);
  if (!port || *port < 1 || *port > 65535) {
    return usage_error(*inv.err, "port", "invalid PRIVATE_PORT \"" + pos[1] + "\"");
  }
  std::string protocol = args.last("protocol").value_or("tcp");
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
    return usage_error(*inv.err, "port", "invalid --protocol \"" + protocol + "\"");
  }
  std::string index = args.last("index").value_or("1");
  if (!parse_count(index) || *parse_count(index) < 1) {
    return usage_error(*inv.err, "port", "invalid --index \"" + index + "\"");
  }
  for (char c : pos[0]) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return usage_error(*inv.err, "port", "invalid service name \"" + pos[0] + "\"");
    }
  }
  int code = 0;
  std::string query = "/port?service=" + pos[0] + "&port=" + std::to_string(*port) +
                      "&protocol=" + protocol + "&index=" + index;
  std::optional<nlohmann::json> answer = get_project_json(inv, args, query, code);
  if (!answer) {
    return code;
  }
  std::string ip = answer->value("host_ip", "");
  *inv.out << (ip.empty() ? "0.0.0.0" : ip) << ":" << answer->value("host_port", 0) << "\n";
  return static_cast<int>(ExitCode::Ok);
}

std::string human_size(std::int64_t bytes) {
  // docker's units.HumanSize: decimal units, three significant digits.
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%s", value, units[unit]);
  return text;
}

int run_images(const Invocation& inv, const ParsedArgs& args) {
  std::string format = args.last("format").value_or("table");
  if (format != "table" && format != "json") {
    return usage_error(*inv.err, "images",
                       "invalid --format \"" + format + "\": use table or json");
  }
  int code = 0;
  std::optional<nlohmann::json> list =
      get_project_json(inv, args, "/images" + services_query(args), code);
  if (!list) {
    return code;
  }
  if (args.has("quiet")) {
    std::vector<std::string> ids;
    for (const auto& i : *list) {
      std::string id = i.value("image_id", "");
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
        *inv.out << id << "\n";
      }
    }
    return static_cast<int>(ExitCode::Ok);
  }
  if (format == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& i : *list) {
      out.push_back({{"ID", i.value("image_id", "")},
                     {"ContainerName", i.value("container", "")},
                     {"Repository", i.value("repository", "")},
                     {"Tag", i.value("tag", "")},
                     {"Size", i.value("size", std::int64_t{0})}});
    }
    *inv.out << out.dump() << "\n";
    return static_cast<int>(ExitCode::Ok);
  }
  std::vector<std::vector<std::string>> rows = {
      {"CONTAINER", "REPOSITORY", "TAG", "IMAGE ID", "SIZE"}};
  for (const auto& i : *list) {
    std::string id = i.value("image_id", "");
    if (id.rfind("sha256:", 0) == 0) {
      id = id.substr(7, 12);
    }
    rows.push_back({i.value("container", ""), i.value("repository", ""), i.value("tag", ""), id,
                    human_size(i.value("size", std::int64_t{0}))});
  }
  print_rows(*inv.out, rows);
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

CommandSpec top_command() {
  CommandSpec c;
  c.name = "top";
  c.summary = "Display the running processes";
  c.usage = "[SERVICES...]";
  c.run = run_top;
  return c;
}

CommandSpec port_command() {
  CommandSpec c;
  c.name = "port";
  c.summary = "Print the public port for a port binding";
  c.usage = "[OPTIONS] SERVICE PRIVATE_PORT";
  c.flags = {
      {"protocol", 0, true, "PROTO", "tcp, udp or sctp (default tcp)"},
      {"index", 0, true, "N", "Index of the container if the service has several replicas"},
  };
  c.positionals = Positionals::Service;
  c.run = run_port;
  return c;
}

CommandSpec images_command() {
  CommandSpec c;
  c.name = "images";
  c.summary = "List images used by the created containers";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = {
      {"format", 0, true, "FORMAT", "Format the output: table or json"},
      {"quiet", 'q', false, "", "Only display IDs"},
  };
  c.run = run_images;
  return c;
}

} // namespace aic::cli
