#pragma once

// Files that are either wholly old or wholly new after a crash: aicd's state is written to a
// temporary file in the same directory, flushed to disk, renamed over the target, and the
// directory is flushed too. Blocking calls: run them on the blocking pool, not the io_context.

#include "core/result.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace aic::store {

/// Replaces `path` with `content` atomically and durably (temp file, fsync, rename, fsync of
/// the directory), with permissions `mode`. On failure the old file is untouched and no
/// temporary file is left behind. Errors (Internal) name the path and the failing step.
Result<void> write_file_atomically(const std::string& path, std::string_view content,
                                   unsigned mode = 0600);

/// The whole file, or nullopt when it does not exist. A file over `max_bytes` is an error
/// (Internal) rather than a large allocation.
Result<std::optional<std::string>> read_file(const std::string& path, std::size_t max_bytes);

} // namespace aic::store
