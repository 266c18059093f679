#include "compose/dotenv.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <utility>

namespace aic::compose {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kExport = "export";

/// Whitespace inside a line (compose-go's isSpace, ASCII part): never a line break.
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '[' || c == ']' || static_cast<unsigned char>(c) >= 0x80;
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && is_blank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_octal(char c) {
  return c >= '0' && c <= '7';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Appends code point `cp` (at most 0xFF) as UTF-8, as Go's string(rune) does.
void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Resolves the backslash escapes of a double-quoted value. `\$` becomes `$$` so that the
/// interpolation that follows yields a literal `$`. Unknown escapes are kept as written.
std::string unescape_double_quoted(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out += raw[i];
      continue;
    }
    const char next = raw[i + 1];
    switch (next) {
    case 'a':
      out += '\a';
      break;
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'v':
      out += '\v';
      break;
    case '\\':
      out += '\\';
      break;
    case '"':
      out += '"';
      break;
    case '$':
      out += "$$";
      break;
    case '0': {
      // `\0` plus up to three digits; exactly three octal digits (<= 0377) make one character.
      std::size_t digits = 0;
      while (digits < 3 && i + 2 + digits < raw.size() && is_digit(raw[i + 2 + digits])) {
        ++digits;
      }
      const std::string_view num = raw.substr(i + 2, digits);
      if (digits == 3 && is_octal(num[0]) && is_octal(num[1]) && is_octal(num[2]) &&
          num[0] <= '3') {
        append_utf8(
            out, static_cast<unsigned>((num[0] - '0') * 64 + (num[1] - '0') * 8 + (num[2] - '0')));
      } else {
        out.append(raw.substr(i, 2 + digits));
      }
      i += 1 + digits;
      continue;
    }
    default:
      out += '\\';
      continue; // `next` is handled as an ordinary character
    }
    ++i;
  }
  return out;
}

class DotenvParser {
public:
  DotenvParser(std::string_view content, const VariableLookup& lookup)
      : src_(content), lookup_(lookup) {
    if (src_.starts_with(kUtf8Bom)) {
      src_.remove_prefix(kUtf8Bom.size());
    }
  }

  Result<std::vector<EnvVar>> parse() {
    while (skip_to_statement()) {
      if (Result<void> r = parse_statement(); !r) {
        return std::move(r).error();
      }
    }
    return std::move(vars_);
  }

private:
  /// Skips whitespace, blank lines and comment lines; false at the end of the input.
  bool skip_to_statement() {
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == '\n') {
        ++line_;
        ++pos_;
      } else if (is_blank(c)) {
        ++pos_;
      } else if (c == '#') {
        const std::size_t eol = src_.find('\n', pos_);
        pos_ = eol == std::string_view::npos ? src_.size() : eol;
      } else {
        return true;
      }
    }
    return false;
  }

  Result<void> parse_statement() {
    const int line = line_;
    skip_export_prefix();

    const std::size_t key_start = pos_;
    while (pos_ < src_.size() && src_[pos_] != '=' && src_[pos_] != ':' && src_[pos_] != '\n') {
      ++pos_;
    }
    const std::string_view key = trim_right(src_.substr(key_start, pos_ - key_start));
    if (Result<void> r = check_key(key, line); !r) {
      return r;
    }

    if (pos_ >= src_.size() || src_[pos_] == '\n') {
      // A bare KEY is inherited from the lookup, or skipped.
      if (std::optional<std::string> value = lookup(key)) {
        set(key, std::move(*value), line);
      }
      return {};
    }

    ++pos_; // '=' or ':'
    while (pos_ < src_.size() && is_blank(src_[pos_])) {
      ++pos_;
    }
    Result<std::string> value = pos_ < src_.size() && (src_[pos_] == '"' || src_[pos_] == '\'')
                                    ? quoted_value(line)
                                    : unquoted_value(line);
    if (!value) {
      return std::move(value).error();
    }
    set(key, std::move(*value), line);
    return {};
  }

  /// `export KEY...` drops the keyword; `export` alone (or `export=1`) is a key named export.
  void skip_export_prefix() {
    if (!src_.substr(pos_).starts_with(kExport)) {
      return;
    }
    std::size_t after = pos_ + kExport.size();
    if (after >= src_.size() || (src_[after] != ' ' && src_[after] != '\t')) {
      return;
    }
    while (after < src_.size() && is_blank(src_[after])) {
      ++after;
    }
    if (after < src_.size() && src_[after] != '\n' && src_[after] != '=' && src_[after] != ':') {
      pos_ = after;
    }
  }

  Result<void> check_key(std::string_view key, int line) const {
    if (key.empty()) {
      return error(line, "invalid variable name \"\": a name is required before the value");
    }
    for (const char c : key) {
      if (is_blank(c)) {
        return error(line, "invalid variable name " + quote_for_message(key) +
                               ": a name cannot contain spaces");
      }
      if (!is_key_char(c)) {
        return error(line, "invalid variable name " + quote_for_message(key) +
                               ": unexpected character " +
                               quote_for_message(std::string_view(&c, 1)));
      }
    }
    return {};
  }

  /// The rest of the line, cut at ` #`, trimmed and expanded.
  Result<std::string> unquoted_value(int line) {
    std::size_t eol = src_.find('\n', pos_);
    if (eol == std::string_view::npos) {
      eol = src_.size();
    }
    std::string_view raw = src_.substr(pos_, eol - pos_);
    pos_ = eol;
    if (const std::size_t comment = raw.find(" #"); comment != std::string_view::npos) {
      raw = raw.substr(0, comment);
    }
    return expand(trim_right(raw), line);
  }

  /// A value between quotes, possibly over several lines. A backslash before the quote character
  /// keeps the quote; every other backslash is kept for unescape_double_quoted (and stays
  /// literal between single quotes).
  Result<std::string> quoted_value(int line) {
    const char quote = src_[pos_++];
    std::string raw;
    bool escaped = false;
    bool closed = false;
    for (; pos_ < src_.size(); ++pos_) {
      const char c = src_[pos_];
      if (c == '\n') {
        ++line_;
      }
      if (c == quote && !escaped) {
        closed = true;
        break;
      }
      if (escaped) {
        escaped = false;
        if (c != quote) {
          raw += '\\';
        }
        raw += c;
      } else if (c == '\\') {
        escaped = true;
      } else {
        raw += c;
      }
    }
    if (!closed) {
      return error(line, "unterminated quoted value");
    }
    ++pos_;

    while (pos_ < src_.size() && is_blank(src_[pos_])) {
      ++pos_;
    }
    if (pos_ < src_.size() && src_[pos_] != '\n' && src_[pos_] != '#') {
      return error(line_, "unexpected " + quote_for_message(src_.substr(pos_, 1)) +
                              " after the closing quote");
    }
    if (quote == '\'') {
      return raw;
    }
    return expand(unescape_double_quoted(raw), line);
  }

  Result<std::string> expand(std::string_view raw, int line) const {
    const VariableLookup resolve = [this](std::string_view name) { return resolve_var(name); };
    Result<InterpolationOutcome> outcome = interpolate(raw, resolve);
    if (!outcome) {
      const Error& e = outcome.error();
      return Error(e.code(), "line " + std::to_string(line) + ": " + e.message(), e.details());
    }
    return std::move(outcome->value);
  }

  /// compose-go's order: the caller's lookup (the shell environment) first, then this file.
  std::optional<std::string> resolve_var(std::string_view name) const {
    if (std::optional<std::string> value = lookup(name)) {
      return value;
    }
    if (const auto it = index_.find(name); it != index_.end()) {
      return vars_[it->second].value;
    }
    return std::nullopt;
  }

  std::optional<std::string> lookup(std::string_view name) const {
    if (!lookup_) {
      return std::nullopt;
    }
    return lookup_(name);
  }

  void set(std::string_view name, std::string value, int line) {
    if (const auto it = index_.find(name); it != index_.end()) {
      vars_[it->second].value = std::move(value);
      vars_[it->second].line = line;
      return;
    }
    index_.emplace(std::string(name), vars_.size());
    vars_.push_back(EnvVar{std::string(name), std::move(value), line});
  }

  static Error error(int line, std::string message) {
    return Error(ErrorCode::InvalidSpec, "line " + std::to_string(line) + ": " + message);
  }

  std::string_view src_;
  const VariableLookup& lookup_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::vector<EnvVar> vars_;
  std::map<std::string, std::size_t, std::less<>> index_; ///< name -> position in vars_
};

} // namespace

Result<std::vector<EnvVar>> parse_dotenv(std::string_view content, const VariableLookup& lookup) {
  return DotenvParser(content, lookup).parse();
}

} // namespace aic::compose
