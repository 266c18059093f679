// libFuzzer target for the compose loader: the input becomes /p/compose.yaml; a line
// "---8<---" splits it further into compose.override.yaml and .env, so merge and dotenv
// parsing are exercised too. Any outcome but a crash, leak or hang is fine.

#include "compose/file_source.hpp"
#include "compose/loader.hpp"
#include "compose/model_json.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

constexpr std::string_view kSeparator = "---8<---";

// Splits `data` on lines that are exactly kSeparator (optionally followed by '\r').
std::vector<std::string> split_parts(std::string_view data) {
  std::vector<std::string> parts(1);
  std::size_t pos = 0;
  while (pos <= data.size()) {
    std::size_t eol = data.find('\n', pos);
    std::size_t end = eol == std::string_view::npos ? data.size() : eol;
    std::string_view line = data.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line == kSeparator && parts.size() < 3) {
      parts.emplace_back();
    } else {
      parts.back().append(data.substr(pos, (eol == std::string_view::npos ? end : eol + 1) - pos));
    }
    if (eol == std::string_view::npos) {
      break;
    }
    pos = eol + 1;
  }
  return parts;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts = split_parts(input);

  aic::compose::MemoryFileSource files;
  files.add("/p/compose.yaml", parts[0]);
  aic::compose::LoadOptions options;
  options.working_dir = "/p";
  options.files = {"/p/compose.yaml"};
  if (parts.size() > 1) {
    files.add("/p/compose.override.yaml", parts[1]);
    options.files.push_back("/p/compose.override.yaml");
  }
  if (parts.size() > 2) {
    files.add("/p/.env", parts[2]);
  }
  options.environment = {{"HOME", "/root"}, {"TAG", "1.0"}};

  auto project = aic::compose::load_project(options, files);
  if (project) {
    std::string dumped = aic::compose::to_json(project->model).dump();
    (void)dumped;
  } else {
    std::string described = project.error().describe();
    (void)described;
  }
  return 0;
}
