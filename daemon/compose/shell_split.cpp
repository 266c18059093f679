#include "compose/shell_split.hpp"

#include <cstdint>
#include <utility>

namespace aic::compose {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

Error split_error(std::string_view what, std::string_view text) {
  std::string message(what);
  message += " in \"";
  message += text;
  message += '"';
  return Error(ErrorCode::InvalidSpec, std::move(message));
}

} // namespace

Result<ShellWords> shell_split_words(std::string_view text) {
  // Whether the current word has started: a word made only of quotes ("") still counts.
  enum class Word : std::uint8_t { None, Started };
  ShellWords out;
  std::string buf;
  Word word = Word::None;
  bool escaped = false;
  bool single_quoted = false;
  bool double_quoted = false;
  bool back_quoted = false;
  bool dollar_quoted = false;

  // Byte-wise is equivalent to go-shellwords' rune loop: every byte it treats specially is ASCII,
  // and the continuation bytes of an escaped character are appended as ordinary characters.
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (escaped) {
      buf += c == 't' ? '\t' : c == 'n' ? '\n' : c;
      escaped = false;
      word = Word::Started;
      continue;
    }
    if (c == '\\') {
      if (single_quoted) {
        buf += c;
      } else {
        escaped = true;
      }
      continue;
    }
    const bool quoted = single_quoted || double_quoted || back_quoted || dollar_quoted;
    if (is_space(c)) {
      if (quoted) {
        buf += c;
      } else if (word != Word::None) {
        out.words.push_back(std::move(buf));
        buf.clear();
        word = Word::None;
      }
      continue;
    }
    switch (c) {
    case '`':
      if (!single_quoted && !double_quoted && !dollar_quoted) {
        back_quoted = !back_quoted;
      }
      break;
    case ')':
      if (!single_quoted && !double_quoted && !back_quoted) {
        if (!dollar_quoted) {
          return split_error("unexpected \")\"", text);
        }
        buf += c;
        dollar_quoted = false;
        word = Word::Started;
        continue;
      }
      break;
    case '(':
      if (!single_quoted && !double_quoted && !back_quoted) {
        if (dollar_quoted || buf.empty() || buf.back() != '$') {
          return split_error("unexpected \"(\"", text);
        }
        dollar_quoted = true;
        buf += c;
        continue;
      }
      break;
    case '"':
      if (!single_quoted && !dollar_quoted) {
        if (double_quoted) {
          word = Word::Started;
        }
        double_quoted = !double_quoted;
        continue;
      }
      break;
    case '\'':
      if (!double_quoted && !dollar_quoted) {
        if (single_quoted) {
          word = Word::Started;
        }
        single_quoted = !single_quoted;
        continue;
      }
      break;
    case ';':
    case '&':
    case '|':
    case '<':
    case '>':
      if (!quoted) {
        // "2>file": go-shellwords takes the digit word for a file descriptor and drops it.
        if (c == '>' && !buf.empty() && buf.front() >= '0' && buf.front() <= '9') {
          word = Word::None;
        }
        out.stopped_at = i;
        if (word != Word::None) {
          out.words.push_back(std::move(buf));
        }
        return out;
      }
      break;
    default:
      break;
    }
    word = Word::Started;
    buf += c;
  }

  if (word != Word::None) {
    out.words.push_back(std::move(buf));
  }
  if (escaped) {
    return split_error("unterminated escape", text);
  }
  if (single_quoted || double_quoted || back_quoted || dollar_quoted) {
    return split_error("unterminated quote", text);
  }
  return out;
}

Result<std::vector<std::string>> shell_split(std::string_view text) {
  Result<ShellWords> split = shell_split_words(text);
  if (!split) {
    return std::move(split).error();
  }
  return std::move(split->words);
}

} // namespace aic::compose
