#pragma once

#include "core/result.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aic::compose {

/// The words of a command string, and where splitting stopped.
struct ShellWords {
  std::vector<std::string> words;
  /// Byte offset of the unquoted `;`, `&`, `|`, `<` or `>` at which splitting stopped (the rest
  /// of the text is dropped, as docker compose does); npos when the whole text was split.
  std::size_t stopped_at = std::string_view::npos;
};

/// Splits a `command`/`entrypoint` string exactly as compose-go does (mattn/go-shellwords
/// v1.0.13, no env or backtick expansion): words separated by space, tab, CR or LF; '…' keeps
/// everything literally; "…" and bare text honour backslash escapes (`\x` is x, `\t` and `\n` are
/// tab and newline); `…` and $(…) are kept verbatim, spaces included. Splitting stops at the
/// first unquoted ; & | < > (a word starting with a digit just before '>' is dropped too).
/// InvalidSpec: `unterminated quote in "…"`, `unterminated escape in "…"`,
/// `unexpected "(" in "…"`, `unexpected ")" in "…"`.
Result<ShellWords> shell_split_words(std::string_view text);

/// shell_split_words(text).words.
Result<std::vector<std::string>> shell_split(std::string_view text);

} // namespace aic::compose
