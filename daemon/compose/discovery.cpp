#include "compose/discovery.hpp"

#include <string_view>

namespace aic::compose {
namespace {

constexpr std::string_view kComposeFileNames[] = {"compose.yaml", "compose.yml",
                                                  "docker-compose.yml", "docker-compose.yaml"};
constexpr std::string_view kOverrideFileNames[] = {"compose.override.yaml", "compose.override.yml",
                                                   "docker-compose.override.yml",
                                                   "docker-compose.override.yaml"};

} // namespace

std::vector<std::string> discover_compose_files(const FileSource& files, const std::string& start) {
  std::string dir = start;
  while (true) {
    for (auto name : kComposeFileNames) {
      std::string candidate = paths::join(dir, name);
      if (files.is_file(candidate)) {
        std::vector<std::string> found{candidate};
        for (auto override_name : kOverrideFileNames) {
          std::string o = paths::join(dir, override_name);
          if (files.is_file(o)) {
            found.push_back(o);
            break;
          }
        }
        return found;
      }
    }
    if (dir == "/") {
      return {};
    }
    dir = paths::dirname(dir);
  }
}

} // namespace aic::compose
