#include "engine/dockerignore.hpp"

#include "engine/text.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace aic::engine {
namespace {

// A character of a path or pattern: a code point, or 0x110000 + byte for a byte that is not
// valid UTF-8, so that such bytes match only themselves.
struct Char {
  std::uint32_t value = 0;
  std::size_t size = 0;
};

Char decode(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const Char invalid{0x110000u + b0, 1};
  if (b0 < 0x80) {
    return {b0, 1};
  }
  std::size_t len = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return invalid;
  }
  if (i + len > s.size()) {
    return invalid;
  }
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      return invalid;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return invalid;
  }
  return {cp, len};
}

// Go's path.Clean: collapse "//", drop ".", resolve ".." lexically; "" becomes ".".
std::string clean_path(std::string_view p) {
  const bool rooted = !p.empty() && p.front() == '/';
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < p.size()) {
    std::size_t j = p.find('/', i);
    if (j == std::string_view::npos) {
      j = p.size();
    }
    const std::string_view part = p.substr(i, j - i);
    i = j + 1;
    if (part.empty() || part == ".") {
      continue;
    }
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!rooted) {
        parts.push_back(part);
      }
      continue;
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t k = 0; k < parts.size(); ++k) {
    if (k > 0) {
      out += '/';
    }
    out += parts[k];
  }
  if (out.empty()) {
    out = ".";
  }
  return out;
}

struct Token {
  enum class Kind : std::uint8_t {
    Literal,  // one character
    AnyOne,   // `?`: one character but '/'
    Star,     // `*`: a run of characters without '/'
    Class,    // `[...]`
    DirsOpt,  // `**` followed by more: entry to the optional group "(.*/)?"
    DirsBody, // the ".*/" inside that group
    AnyRest,  // `**` at the end after other wildcards: ".*"
    Anchor,   // `^` outside a class: Docker leaves it a regexp anchor
  };
  Kind kind = Kind::Literal;
  std::uint32_t ch = 0;
  bool negated = false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;
};

// One element of a class (filepath.Match's getEsc): a character, maybe escaped. Fails on a
// missing, '-' or ']' element and when the pattern ends right after it (the class is open).
std::optional<std::uint32_t> class_element(std::string_view p, std::size_t& i) {
  if (i >= p.size() || p[i] == '-' || p[i] == ']') {
    return std::nullopt;
  }
  if (p[i] == '\\') {
    ++i;
    if (i >= p.size()) {
      return std::nullopt;
    }
  }
  const Char c = decode(p, i);
  if (c.value >= 0x110000u) {
    return std::nullopt;
  }
  i += c.size;
  if (i >= p.size()) {
    return std::nullopt;
  }
  return c.value;
}

// Parses the class that starts at p[i] == '[' with filepath.Match's syntax; `^` negates as in
// the regexp Docker builds from it.
std::optional<Token> parse_class(std::string_view p, std::size_t& i) {
  Token t;
  t.kind = Token::Kind::Class;
  ++i;
  if (i < p.size() && p[i] == '^') {
    t.negated = true;
    ++i;
  }
  while (true) {
    if (i < p.size() && p[i] == ']' && !t.ranges.empty()) {
      ++i;
      return t;
    }
    const auto lo = class_element(p, i);
    if (!lo) {
      return std::nullopt;
    }
    std::uint32_t hi = *lo;
    if (p[i] == '-') {
      ++i;
      const auto h = class_element(p, i);
      if (!h || *h < *lo) {
        return std::nullopt;
      }
      hi = *h;
    }
    t.ranges.emplace_back(*lo, hi);
  }
}

enum class MatchType : std::uint8_t { Exact, Prefix, Suffix, Pattern };

struct Rule {
  std::string text; // cleaned, without '!'
  bool exception = false;
  MatchType type = MatchType::Exact;
  std::vector<Token> tokens;
};

// Compiles a cleaned pattern the way patternmatcher's compile classifies it: exact, prefix
// ("foo/**"), suffix ("**/foo") or a full pattern. Returns nullopt on bad syntax.
std::optional<Rule> compile(std::string text, bool exception) {
  Rule r;
  r.exception = exception;
  MatchType type = MatchType::Exact;
  const std::string_view p = text;
  std::size_t i = 0;
  for (int step = 0; i < p.size(); ++step) {
    const char c = p[i];
    if (c == '*') {
      ++i;
      if (i < p.size() && p[i] == '*') {
        ++i;
        if (i < p.size() && p[i] == '/') {
          ++i;
        }
        if (i == p.size()) {
          if (type == MatchType::Exact) {
            type = MatchType::Prefix;
          } else {
            r.tokens.push_back({Token::Kind::AnyRest, 0, false, {}});
            type = MatchType::Pattern;
          }
        } else {
          r.tokens.push_back({Token::Kind::DirsOpt, 0, false, {}});
          r.tokens.push_back({Token::Kind::DirsBody, 0, false, {}});
          type = MatchType::Pattern;
        }
        if (step == 0) {
          type = MatchType::Suffix;
        }
      } else {
        r.tokens.push_back({Token::Kind::Star, 0, false, {}});
        type = MatchType::Pattern;
      }
    } else if (c == '?') {
      ++i;
      r.tokens.push_back({Token::Kind::AnyOne, 0, false, {}});
      type = MatchType::Pattern;
    } else if (c == '\\') {
      ++i;
      if (i == p.size()) {
        return std::nullopt; // filepath.Match rejects a trailing backslash
      }
      const Char e = decode(p, i);
      i += e.size;
      r.tokens.push_back({Token::Kind::Literal, e.value, false, {}});
      type = MatchType::Pattern;
    } else if (c == '[') {
      auto cls = parse_class(p, i);
      if (!cls) {
        return std::nullopt;
      }
      r.tokens.push_back(std::move(*cls));
      type = MatchType::Pattern;
    } else if (c == ']') {
      ++i;
      r.tokens.push_back({Token::Kind::Literal, ']', false, {}});
      type = MatchType::Pattern;
    } else if (c == '^') {
      ++i;
      r.tokens.push_back({Token::Kind::Anchor, 0, false, {}});
    } else {
      const Char lit = decode(p, i);
      i += lit.size;
      r.tokens.push_back({Token::Kind::Literal, lit.value, false, {}});
    }
  }
  r.type = type;
  r.text = std::move(text);
  return r;
}

bool in_class(const Token& t, std::uint32_t c) {
  bool hit = false;
  for (const auto& [lo, hi] : t.ranges) {
    if (lo <= c && c <= hi) {
      hit = true;
      break;
    }
  }
  return hit != t.negated;
}

// Adds state s and everything reachable from it without consuming input.
void add_state(const std::vector<Token>& tokens, std::vector<char>& set, std::size_t s,
               bool at_start) {
  if (set[s]) {
    return;
  }
  set[s] = 1;
  if (s == tokens.size()) {
    return;
  }
  switch (tokens[s].kind) {
  case Token::Kind::Star:
  case Token::Kind::AnyRest:
    add_state(tokens, set, s + 1, at_start);
    break;
  case Token::Kind::DirsOpt:
    add_state(tokens, set, s + 1, at_start);
    add_state(tokens, set, s + 2, at_start);
    break;
  case Token::Kind::Anchor:
    if (at_start) {
      add_state(tokens, set, s + 1, at_start);
    }
    break;
  default:
    break;
  }
}

// Thompson simulation over the token list: time linear in path × pattern, so "**/**/**/..."
// cannot backtrack. With `or_parent`, a match of any parent directory ("a", "a/b" for "a/b/c")
// counts too; they are prefixes of the path, so one pass answers for all of them.
bool match_tokens(const std::vector<Token>& tokens, std::string_view path, bool or_parent) {
  const std::size_t n = tokens.size();
  std::vector<char> cur(n + 1, 0);
  std::vector<char> next(n + 1, 0);
  add_state(tokens, cur, 0, true);
  for (std::size_t i = 0; i < path.size();) {
    if (or_parent && i > 0 && path[i] == '/' && cur[n]) {
      return true;
    }
    const Char c = decode(path, i);
    i += c.size;
    std::fill(next.begin(), next.end(), 0);
    bool any = false;
    for (std::size_t s = 0; s < n; ++s) {
      if (!cur[s]) {
        continue;
      }
      const Token& t = tokens[s];
      auto go = [&](std::size_t to) {
        add_state(tokens, next, to, false);
        any = true;
      };
      switch (t.kind) {
      case Token::Kind::Literal:
        if (c.value == t.ch) {
          go(s + 1);
        }
        break;
      case Token::Kind::AnyOne:
        if (c.value != '/') {
          go(s + 1);
        }
        break;
      case Token::Kind::Star:
        if (c.value != '/') {
          go(s);
        }
        break;
      case Token::Kind::Class:
        if (in_class(t, c.value)) {
          go(s + 1);
        }
        break;
      case Token::Kind::DirsBody:
        if (c.value != '\n') {
          go(s);
        }
        if (c.value == '/') {
          go(s + 1);
        }
        break;
      case Token::Kind::AnyRest:
        if (c.value != '\n') {
          go(s);
        }
        break;
      case Token::Kind::DirsOpt:
      case Token::Kind::Anchor:
        break;
      }
    }
    if (!any) {
      return false;
    }
    cur.swap(next);
  }
  return cur[n] != 0;
}

bool literal_matches(const Rule& r, std::string_view path) {
  const std::string_view text = r.text;
  switch (r.type) {
  case MatchType::Exact:
    return path == text;
  case MatchType::Prefix:
    return path.starts_with(text.substr(0, text.size() - 2));
  case MatchType::Suffix: {
    const std::string_view suffix = text.substr(2);
    if (path.ends_with(suffix)) {
      return true;
    }
    return !suffix.empty() && suffix.front() == '/' && path == suffix.substr(1);
  }
  case MatchType::Pattern:
    break;
  }
  return false;
}

// patternmatcher's test: the path itself or one of its parent directories matches.
bool matches_or_parent_matches(const Rule& r, std::string_view file) {
  if (r.type == MatchType::Pattern) {
    return match_tokens(r.tokens, file, true);
  }
  if (literal_matches(r, file)) {
    return true;
  }
  for (std::size_t slash = file.find('/'); slash != std::string_view::npos;
       slash = file.find('/', slash + 1)) {
    if (slash > 0 && literal_matches(r, file.substr(0, slash))) {
      return true;
    }
  }
  return false;
}

Error line_error(std::size_t line, std::string_view what, std::string_view pattern) {
  return Error(ErrorCode::InvalidSpec, ".dockerignore:" + std::to_string(line) + ": " +
                                           std::string(what) + " \"" + std::string(pattern) + "\"");
}

} // namespace

struct DockerIgnore::Rules {
  std::vector<Rule> rules;
  bool has_exceptions = false;
};

Result<DockerIgnore> DockerIgnore::parse(std::string_view content) {
  Rules compiled;
  std::vector<std::string> texts;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) {
      end = content.size();
    }
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line_no == 1 && line.starts_with("\xEF\xBB\xBF")) {
      line.remove_prefix(3);
    }
    // Only a '#' in the first column starts a comment; "  #x" is a pattern.
    if (line.starts_with('#')) {
      continue;
    }
    std::string_view pattern = trim_space(line);
    if (pattern.empty()) {
      continue;
    }
    const std::string_view original = pattern;
    const bool invert = pattern.front() == '!';
    if (invert) {
      pattern = trim_space(pattern.substr(1));
    }
    std::string body;
    if (!pattern.empty()) {
      body = clean_path(pattern);
      if (body.size() > 1 && body.front() == '/') {
        body.erase(0, 1);
      }
    }
    // patternmatcher.New cleans again, with the '!' attached ("!/" becomes "!").
    std::string text = clean_path(invert ? "!" + body : body);
    const bool exception = text.front() == '!';
    if (exception) {
      if (text.size() == 1) {
        return unexpected(line_error(line_no, "invalid exclusion pattern", original));
      }
      text.erase(0, 1);
    }
    texts.push_back(exception ? "!" + text : text);
    auto rule = compile(std::move(text), exception);
    if (!rule) {
      return unexpected(line_error(line_no, "invalid pattern", original));
    }
    compiled.has_exceptions = compiled.has_exceptions || exception;
    compiled.rules.push_back(std::move(*rule));
  }
  DockerIgnore out;
  out.rules_ = std::make_shared<const Rules>(std::move(compiled));
  out.texts_ = std::move(texts);
  return out;
}

bool DockerIgnore::excludes(std::string_view path) const {
  if (!rules_) {
    return false;
  }
  const std::string file = clean_path(path);
  if (file == "." || file == "/") {
    return false;
  }
  bool matched = false;
  for (const Rule& r : rules_->rules) {
    // An exclusion can only change an excluded path and an inclusion an included one.
    if (r.exception != matched) {
      continue;
    }
    if (matches_or_parent_matches(r, file)) {
      matched = !r.exception;
    }
  }
  return matched;
}

bool DockerIgnore::may_reinclude_under(std::string_view dir) const {
  if (!rules_ || !rules_->has_exceptions) {
    return false;
  }
  const std::string dir_slash = clean_path(dir) + "/";
  for (const Rule& r : rules_->rules) {
    if (r.exception && (r.text + "/").starts_with(dir_slash)) {
      return true;
    }
  }
  return false;
}

} // namespace aic::engine
