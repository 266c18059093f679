#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aic::cli {

/// One flag a command accepts: `--long`, optional `-s`, with or without a value.
struct FlagSpec {
  std::string long_name; ///< without the dashes
  char short_name = 0;   ///< 0 when none
  bool takes_value = false;
  std::string value_name; ///< for help, e.g. "FILE"
  std::string help;
};

/// The result of parsing: flag values in order of appearance, and positional arguments.
class ParsedArgs {
public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  /// The last value given for a flag (flags may repeat).
  std::optional<std::string> last(const std::string& name) const;
  /// Every value given for a flag, in order.
  std::vector<std::string> all(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }

  void add(const std::string& name, std::string value) {
    values_[name].push_back(std::move(value));
  }
  void add_positional(std::string value) { positionals_.push_back(std::move(value)); }

private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

/// Parses `--flag value`, `--flag=value`, `-f value`, `-fvalue`, grouped short booleans (`-qa`)
/// and `--` (end of flags). Unknown flags are an InvalidSpec error naming the flag. Flags are read
/// only before `flags_before` positionals; everything after is positional (`exec web ls -l`).
Result<ParsedArgs> parse_args(const std::vector<std::string>& args,
                              const std::vector<FlagSpec>& specs,
                              std::size_t flags_before = static_cast<std::size_t>(-1));

/// Help lines for a set of flags, aligned: `  -f, --file FILE   Compose configuration files`.
std::string format_flags(const std::vector<FlagSpec>& specs);

} // namespace aic::cli
