#include "compose/interpolation.hpp"

#include <cstddef>
#include <cstdio>
#include <unordered_set>
#include <utility>

namespace aic::compose {
namespace {

constexpr std::string_view kUnterminated = "unterminated \"${\"";

bool is_name_start(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

/// Index one past the name that starts at `start` (which must be a name start).
std::size_t name_end(std::string_view text, std::size_t start) {
  std::size_t end = start + 1;
  while (end < text.size() && is_name_char(text[end])) {
    ++end;
  }
  return end;
}

/// Expands one input string. Recursion happens only into the default, alternate or error text
/// that an expression actually uses, and at most kMaxInterpolationNesting levels deep; every
/// level scans its own text once, so the work is O(input size x nesting).
class Interpolator {
public:
  Interpolator(std::string_view input, const VariableLookup& lookup)
      : input_(input), lookup_(lookup) {}

  /// Appends `text`, expanded, to `out`; `level` is how many expressions enclose `text`.
  Result<void> substitute(std::string_view text, int level, std::string& out) {
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t dollar = text.find('$', pos);
      if (dollar == std::string_view::npos) {
        out.append(text.substr(pos));
        break;
      }
      out.append(text.substr(pos, dollar - pos));
      const char next = dollar + 1 < text.size() ? text[dollar + 1] : '\0';
      if (next == '$') {
        out += '$';
        pos = dollar + 2;
      } else if (is_name_start(next)) {
        const std::size_t end = name_end(text, dollar + 1);
        append_plain(text.substr(dollar + 1, end - dollar - 1), out);
        pos = end;
      } else if (next == '{') {
        Result<std::size_t> after = expand_braced(text, dollar, level, out);
        if (!after) {
          return std::move(after).error();
        }
        pos = *after;
      } else {
        out += '$';
        pos = dollar + 1;
      }
    }
    return {};
  }

  std::vector<std::string> take_unset() { return std::move(unset_); }

private:
  /// Expands the `${...}` starting at `text[dollar]`; returns the index just past its `}`.
  Result<std::size_t> expand_braced(std::string_view text, std::size_t dollar, int level,
                                    std::string& out) {
    if (level >= kMaxInterpolationNesting) {
      return Error(ErrorCode::InvalidSpec,
                   "invalid interpolation format for " + quote_for_message(input_) +
                       ": expressions are nested more than " +
                       std::to_string(kMaxInterpolationNesting) + " levels deep");
    }
    const std::size_t start = dollar + 2;
    if (start >= text.size()) {
      return invalid(kUnterminated);
    }
    if (!is_name_start(text[start])) {
      return invalid("\"${\" must be followed by a variable name");
    }
    const std::size_t end = name_end(text, start);
    const std::string_view name = text.substr(start, end - start);
    if (end >= text.size()) {
      return invalid(kUnterminated);
    }
    if (text[end] == '}') {
      append_plain(name, out);
      return end + 1;
    }

    const bool colon = text[end] == ':';
    const std::size_t op_pos = colon ? end + 1 : end;
    const char op = op_pos < text.size() ? text[op_pos] : '\0';
    if (op != '-' && op != '+' && op != '?') {
      if (op_pos >= text.size()) {
        return invalid(kUnterminated);
      }
      return invalid("unexpected " + quote_for_message(text.substr(op_pos, 1)) +
                     " after variable name " + quote_for_message(name));
    }

    const std::size_t word_start = op_pos + 1;
    const std::size_t close = find_closing_brace(text, word_start);
    if (close == std::string_view::npos) {
      return invalid(kUnterminated);
    }
    const std::string_view word = text.substr(word_start, close - word_start);

    const std::optional<std::string> value = lookup(name);
    // The ':' forms treat a set-but-empty variable like an unset one.
    const bool usable = value.has_value() && !(colon && value->empty());
    if (op == '-') {
      if (usable) {
        out += *value;
      } else if (Result<void> r = substitute(word, level + 1, out); !r) {
        return std::move(r).error();
      }
    } else if (op == '+') {
      if (usable) {
        if (Result<void> r = substitute(word, level + 1, out); !r) {
          return std::move(r).error();
        }
      }
    } else if (usable) {
      out += *value;
    } else {
      std::string reason;
      if (Result<void> r = substitute(word, level + 1, reason); !r) {
        return std::move(r).error();
      }
      std::string message = "required variable " + std::string(name) + " is missing a value";
      if (!reason.empty()) {
        message += ": " + reason;
      }
      return Error(ErrorCode::InvalidSpec, std::move(message));
    }
    return close + 1;
  }

  /// The `}` that closes an expression whose operand starts at `from`. Like compose-go, every
  /// `{` opens and every `}` closes, and an operand never spans lines; when the braces do not
  /// balance before the end of the line, the last `}` on the line closes the expression.
  /// Deliberately unlike compose-go, the character after a `{` is not skipped, so a `{}` pair
  /// balances: `${A:-{}} ${B}` expands B instead of swallowing it into A's default.
  static std::size_t find_closing_brace(std::string_view text, std::size_t from) {
    std::size_t open = 1;
    std::size_t last_close = std::string_view::npos;
    for (std::size_t i = from; i < text.size() && text[i] != '\n'; ++i) {
      if (text[i] == '{') {
        ++open;
      } else if (text[i] == '}') {
        last_close = i;
        if (--open == 0) {
          return i;
        }
      }
    }
    return last_close;
  }

  void append_plain(std::string_view name, std::string& out) {
    if (std::optional<std::string> value = lookup(name)) {
      out += *value;
      return;
    }
    std::string key(name);
    if (unset_seen_.insert(key).second) {
      unset_.push_back(std::move(key));
    }
  }

  std::optional<std::string> lookup(std::string_view name) const {
    if (!lookup_) {
      return std::nullopt;
    }
    return lookup_(name);
  }

  Error invalid(std::string_view reason) const {
    return Error(ErrorCode::InvalidSpec,
                 "invalid interpolation format for " + quote_for_message(input_) + ": " +
                     std::string(reason) + ". You may need to escape any $ with another $.");
  }

  std::string_view input_;
  const VariableLookup& lookup_;
  std::vector<std::string> unset_;
  std::unordered_set<std::string> unset_seen_;
};

} // namespace

Result<InterpolationOutcome> interpolate(std::string_view input, const VariableLookup& lookup) {
  Interpolator interpolator(input, lookup);
  InterpolationOutcome outcome;
  outcome.value.reserve(input.size());
  if (Result<void> r = interpolator.substitute(input, 0, outcome.value); !r) {
    return std::move(r).error();
  }
  outcome.unset = interpolator.take_unset();
  return outcome;
}

} // namespace aic::compose
