#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <string_view>

namespace aic::cli {

/// Prints the log lines aicd streams ({"container","service","number","stream","line"}) as
/// `docker compose logs` does: `web-1  | text`, the prefix padded to the widest seen so far
/// and coloured per container when `color`.
class LogPrinter {
public:
  LogPrinter(std::ostream& out, bool color, bool prefix);

  /// One NDJSON line from aicd; false when it is not one.
  bool print(std::string_view json_line);

private:
  std::ostream& out_;
  bool color_;
  bool prefix_;
  std::size_t width_ = 0;
  std::map<std::string, int> colors_;
};

} // namespace aic::cli
