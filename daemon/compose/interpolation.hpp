#pragma once

#include "compose/diagnostic.hpp"
#include "core/result.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// Looks a variable up; nullopt when unset (set-but-empty is "" ). An empty std::function means
/// "nothing is set".
using VariableLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// How many `${...}` expressions may enclose one another (through defaults, alternates and error
/// texts). Deeper input is rejected instead of recursed into, so hostile input cannot exhaust the
/// stack.
inline constexpr int kMaxInterpolationNesting = 32;

/// What interpolating one string produced.
struct InterpolationOutcome {
  std::string value;
  std::vector<std::string> unset; ///< variables referenced without a default that were unset (for
                                  ///< warnings), in order, no duplicates
};

/// Substitutes $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?err}, ${VAR?err}, ${VAR:+r}, ${VAR+r},
/// nested expressions in defaults/alternates/error texts (e.g. ${A:-${B:-x}}), and $$ -> $, as
/// compose-go's template package does. Only the branch that is used is evaluated, so an unused
/// default is neither checked nor reported in `unset`.
///
/// Errors (ErrorCode::InvalidSpec): a required variable missing (`required variable NAME is
/// missing a value: ERR`, or without `: ERR` when the text is empty); an unterminated `${`, a bad
/// name or operator inside braces, or nesting deeper than kMaxInterpolationNesting
/// (`invalid interpolation format for "<whole input>": <reason>. You may need to escape any $ with
/// another $.`). A `$` followed by anything but a name start, `{` or `$` is kept literally.
Result<InterpolationOutcome> interpolate(std::string_view input, const VariableLookup& lookup);

} // namespace aic::compose
