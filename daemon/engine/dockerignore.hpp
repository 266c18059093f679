#pragma once

// The `.dockerignore` matcher, with the answers Docker's builder gives: the file is read like
// moby's ignorefile.ReadAll (buildkit's dockerignore) and matched like moby/patternmatcher's
// MatchesOrParentMatches, including its quirks ("**.txt" matches "a/b.txt" because a pattern
// that starts with "**" and has no other wildcard is a plain suffix test; "a**b" matches "ab"
// and "a/x/b" but not "axb").
//
// What the caller must do itself: Docker always sends the Dockerfile and the .dockerignore file
// with the context even when a pattern excludes them (the CLI trims them from the excludes and
// the daemon reads them anyway), so a context walker checks those two paths before asking
// excludes().
//
// Known differences, all for patterns nobody writes: inside a `[...]` class, `*`, `?` and `\x`
// stand for themselves (Docker splices regexp fragments there), POSIX classes such as
// `[[:digit:]]` are not recognised, and a range whose ends are reversed (`[z-a]`) is a parse
// error here where Docker fails later, while matching.

#include "core/result.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

/// Parsed .dockerignore: comments (#), blank lines, trimmed whitespace, `!` exceptions, leading
/// '/' and './' stripped, paths cleaned (filepath.Clean), `**` any number of directories, `*`
/// `?` `[...]` within one path element, escapes with '\\'. Immutable; safe to share.
class DockerIgnore {
public:
  /// Parses the file's text. Errors (ErrorCode::InvalidSpec) name the line:
  /// `.dockerignore:3: invalid pattern "[a"`.
  static Result<DockerIgnore> parse(std::string_view content);

  /// Whether `path` (relative to the context root, '/'-separated, no leading "./") is excluded;
  /// the last matching pattern wins (an exception re-includes). A pattern also matches
  /// everything under a directory it matches. The root itself ("" or ".") is never excluded.
  bool excludes(std::string_view path) const;

  /// True when some exception pattern could re-include something under `dir`, so a walker must
  /// descend into an excluded directory instead of skipping it. Like Docker's TarWithOptions
  /// this is a literal prefix test on the exception's text: `!dir/keep` counts, `!*/keep` not.
  bool may_reinclude_under(std::string_view dir) const;

  /// The cleaned patterns in file order, exceptions with their leading '!'.
  const std::vector<std::string>& patterns() const { return texts_; }

private:
  struct Rules; // compiled patterns, defined in the .cpp

  std::shared_ptr<const Rules> rules_;
  std::vector<std::string> texts_;
};

} // namespace aic::engine
