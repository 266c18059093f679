#include "cli/cli.hpp"

#include <csignal>
#include <filesystem>
#include <iostream>
#include <unistd.h>

extern char** environ;

namespace {
void on_interrupt(int) {
  aic::cli::interrupted() = true;
}
} // namespace

int main(int argc, char** argv) {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, nullptr);
  aic::cli::Invocation inv;
  inv.args.assign(argv + 1, argv + argc);
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) {
      inv.environment.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  std::error_code ec;
  inv.working_dir = std::filesystem::current_path(ec).string();
  if (ec) {
    std::cerr << "error: cannot read the working directory: " << ec.message() << "\n";
    return 1;
  }
  inv.out = &std::cout;
  inv.err = &std::cerr;
  return aic::cli::run(inv);
}
