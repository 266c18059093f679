#!/usr/bin/env bash
# Fails when any C++ source file is not clang-format clean: tracked ones and new ones not yet
# added (but not ignored), so a check before `git add` sees them too.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' '*.h' \
  '*.cpp.in' | sort -u)
bad=()
for f in "${files[@]}"; do
  [[ "$f" == *.in ]] && continue
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if ((${#bad[@]})); then
  echo "clang-format: not clean: ${bad[*]}" >&2
  echo "fix with: clang-format -i ${bad[*]}" >&2
  exit 1
fi
echo "clang-format: ${#files[@]} files clean"
