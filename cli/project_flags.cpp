#include "cli/project_flags.hpp"

#include <ostream>

namespace aic::cli {

std::vector<FlagSpec> project_flag_specs() {
  return {
      {"file", 'f', true, "FILE", "Compose configuration files (repeatable)"},
      {"project-name", 'p', true, "NAME", "Project name"},
      {"project-directory", 0, true, "DIR", "Alternate working directory"},
      {"env-file", 0, true, "FILE", "Alternate environment file (repeatable)"},
      {"profile", 0, true, "NAME", "Profile to enable (repeatable)"},
      {"host", 'H', true, "URL",
       "aicd address: unix:///path, tcp://host:port or https://host:port (AIC_HOST)"},
      {"token", 0, true, "TOKEN", "Bearer token for aicd over TCP (AIC_TOKEN)"},
      {"tlscacert", 0, true, "FILE",
       "CA certificates to trust aicd's https:// certificate with (AIC_TLS_CA_CERT)"},
  };
}

compose::LoadOptions load_options_from(const ParsedArgs& args, const Invocation& inv) {
  compose::LoadOptions o;
  o.files = args.all("file");
  o.working_dir = inv.working_dir;
  o.project_directory = args.last("project-directory");
  o.project_name = args.last("project-name");
  o.env_files = args.all("env-file");
  o.profiles = args.all("profile");
  o.environment = inv.environment;
  return o;
}

int usage_error(std::ostream& err, const std::string& command, const std::string& message) {
  err << "error: " << message << "\nRun 'aic " << command << " --help' for usage.\n";
  return static_cast<int>(ExitCode::Usage);
}

std::optional<int> parse_count(std::string_view text) {
  if (text.empty() || text.size() > 9) {
    return std::nullopt;
  }
  int v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

void print_error(std::ostream& err, const Error& error) {
  err << "error: ";
  for (const auto& c : error.context()) {
    err << c << ": ";
  }
  err << error.message() << "\n";
  for (const auto& d : error.details()) {
    err << "  " << d << "\n";
  }
}

} // namespace aic::cli
