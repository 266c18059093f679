#include "cli/log_printer.hpp"

#include <nlohmann/json.hpp>
#include <ostream>

namespace aic::cli {

LogPrinter::LogPrinter(std::ostream& out, bool color, bool prefix)
    : out_(out), color_(color), prefix_(prefix) {}

bool LogPrinter::print(std::string_view json_line) {
  nlohmann::json j = nlohmann::json::parse(json_line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("line")) {
    return false;
  }
  std::string line = j.value("line", "");
  if (!prefix_) {
    out_ << line << "\n";
    out_.flush();
    return true;
  }
  std::string service = j.value("service", "");
  std::string number = j.value("number", "");
  std::string name = number.empty() ? j.value("container", "") : service + "-" + number;
  width_ = std::max(width_, name.size());
  std::string padded = name + std::string(width_ - name.size(), ' ');
  if (color_) {
    static constexpr int kPalette[] = {36, 33, 32, 35, 34, 96, 93, 92, 95, 94};
    auto it = colors_.find(name);
    if (it == colors_.end()) {
      int next = kPalette[colors_.size() % (sizeof kPalette / sizeof kPalette[0])];
      it = colors_.emplace(name, next).first;
    }
    out_ << "\x1b[" << it->second << "m" << padded << "  |\x1b[0m " << line << "\n";
  } else {
    out_ << padded << "  | " << line << "\n";
  }
  out_.flush();
  return true;
}

} // namespace aic::cli
