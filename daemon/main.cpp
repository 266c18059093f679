// aicd: the aic daemon. This first version only identifies itself; the lifecycle, the REST API
// and supervision are built on the compose loader in the issues that follow (docs/architecture.md).
#include <iostream>
#include <string_view>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--version" || a == "-v") {
      std::cout << "aicd version 0.1.0\n";
      return 0;
    }
    if (a == "--help" || a == "-h") {
      std::cout << "Usage:  aicd [OPTIONS]\n\n"
                   "The aic daemon. Not yet able to serve projects: use `aic config` to load and\n"
                   "validate compose files.\n\n"
                   "Options:\n"
                   "  -h, --help      Show this help\n"
                   "  -v, --version   Show the version\n";
      return 0;
    }
  }
  std::cerr << "error: aicd cannot serve projects yet; see `aicd --help`\n";
  return 1;
}
