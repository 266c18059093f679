#pragma once

#include "compose/interpolation.hpp"
#include "core/result.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// One variable defined by a `.env` / `env_file`; `line` is the 1-based line of the key of the
/// definition that set `value`.
struct EnvVar {
  std::string name;
  std::string value;
  int line = 0;

  bool operator==(const EnvVar& other) const = default;
};

/// Parses .env content the way compose-go's dotenv package does:
/// - `KEY=VAL`, `KEY: VAL` and `export KEY=VAL`; names are letters, digits, `_ . - [ ]` (a leading
///   digit is accepted, as in compose-go); whitespace around the key and an unquoted value is
///   trimmed; a UTF-8 byte-order mark is skipped.
/// - `#` starts a comment on its own line, after a closing quote, or after ` #` in an unquoted
///   value. Blank lines are ignored.
/// - Unquoted and double-quoted values expand `$VAR`, `${VAR:-d}`... (see interpolate): `lookup`
///   is consulted first, then the variables defined earlier in this file (compose-go's order, so
///   the shell environment wins). Unset variables expand to "" without a warning.
/// - Single-quoted values are literal except `\'`. Double-quoted values understand `\n \t \r \a
///   \b \f \v \\ \" \$` and `\0NNN` (octal); other backslashes are kept. Quoted values may span
///   lines; only whitespace or a comment may follow the closing quote.
/// - A bare `KEY` (no `=`) takes its value from `lookup`; when lookup has none it is skipped.
/// - A key defined twice keeps its first position and takes the later value and line.
/// Errors (InvalidSpec) start with the line: `line N: unterminated quoted value`,
/// `line N: invalid variable name "A B": ...`, `line N: required variable X is missing a value`.
Result<std::vector<EnvVar>> parse_dotenv(std::string_view content, const VariableLookup& lookup);

} // namespace aic::compose
