#include "cli/commands/config_command.hpp"

#include "cli/project_flags.hpp"
#include "cli/yaml_writer.hpp"
#include "compose/model_json.hpp"

#include <algorithm>
#include <fstream>
#include <ostream>

namespace aic::cli {
namespace {

std::vector<FlagSpec> config_flags() {
  return {
      {"format", 0, true, "FORMAT", "Output format: yaml or json (default yaml)"},
      {"quiet", 'q', false, "", "Only validate the configuration, print nothing"},
      {"services", 0, false, "", "Print the service names, one per line"},
      {"volumes", 0, false, "", "Print the volume names, one per line"},
      {"networks", 0, false, "", "Print the network names, one per line"},
      {"profiles", 0, false, "", "Print the profile names, one per line"},
      {"images", 0, false, "", "Print the image names, one per line"},
      {"no-interpolate", 0, false, "", "Don't interpolate environment variables"},
      {"output", 'o', true, "FILE", "Save to FILE instead of printing"},
  };
}

std::vector<std::string> keys_of(const compose::Node* n) {
  std::vector<std::string> out;
  if (n) {
    for (const auto& e : n->entries) {
      out.push_back(e.key);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    out += i + "\n";
  }
  return out;
}

int run_config(const Invocation& inv, const ParsedArgs& args) {
  std::ostream& err = *inv.err;
  std::string format = args.last("format").value_or("yaml");
  if (format != "yaml" && format != "json") {
    err << "error: unsupported --format \"" << format << "\": use yaml or json\n";
    return static_cast<int>(ExitCode::Usage);
  }

  compose::LoadOptions options = load_options_from(args, inv);
  options.services = args.positionals();
  options.interpolate = !args.has("no-interpolate");
  compose::DiskFileSource files;
  Result<compose::LoadedProject> loaded = compose::load_project(options, files);
  if (!loaded) {
    print_error(err, loaded.error());
    return static_cast<int>(ExitCode::Failure);
  }
  for (const auto& w : loaded->warnings) {
    err << "warning: " << w << "\n";
  }
  if (args.has("quiet")) {
    return static_cast<int>(ExitCode::Ok);
  }

  const compose::Node& model = loaded->model;
  std::string text;
  if (args.has("services")) {
    text = lines(keys_of(model.find("services")));
  } else if (args.has("volumes")) {
    text = lines(keys_of(model.find("volumes")));
  } else if (args.has("networks")) {
    text = lines(keys_of(model.find("networks")));
  } else if (args.has("profiles")) {
    text = lines(loaded->profiles);
  } else if (args.has("images")) {
    std::vector<std::string> images;
    if (const compose::Node* services = model.find("services")) {
      for (const auto& e : services->entries) {
        const compose::Node* image = e.value.find("image");
        images.push_back(image ? image->text : loaded->name + "-" + e.key);
      }
    }
    std::sort(images.begin(), images.end());
    text = lines(images);
  } else {
    nlohmann::json json = compose::to_json(model);
    text = format == "json"
               ? json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"
               : to_yaml(json);
  }

  if (auto output = args.last("output")) {
    std::ofstream file(*output, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file.flush()) {
      err << "error: cannot write " << *output << "\n";
      return static_cast<int>(ExitCode::Failure);
    }
    return static_cast<int>(ExitCode::Ok);
  }
  *inv.out << text;
  return static_cast<int>(ExitCode::Ok);
}

} // namespace

CommandSpec config_command() {
  CommandSpec c;
  c.name = "config";
  c.summary = "Parse, resolve and render compose files in canonical format";
  c.usage = "[OPTIONS] [SERVICE...]";
  c.flags = config_flags();
  c.run = run_config;
  return c;
}

} // namespace aic::cli
