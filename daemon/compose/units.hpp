#pragma once

#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace aic::compose {

/// Parses a duration as compose-go does (str2duration): an optional sign, then one or more
/// number+unit pairs ("1h30m", "1.5s", "2d"), units ns, us, µs, ms, s, m, h, d, w; a bare "0" is
/// allowed. Returns nanoseconds. InvalidSpec: `invalid duration "…"` (empty, missing or unknown
/// unit, malformed number) or `duration "…" overflows` (beyond int64 nanoseconds).
Result<std::int64_t> parse_duration(std::string_view text);

/// Formats nanoseconds exactly as Go's time.Duration.String(): "30s", "1m30s", "1h0m0s",
/// "1.5s", "500ms", "1.2µs", "0s", "-1s". Hours are the largest unit ("48h0m0s").
std::string format_duration(std::int64_t nanoseconds);

/// Parses a byte size as compose-go's UnitBytes does (shm_size, mem_limit, tmpfs size…): a plain
/// int64 first (so "-1" is accepted), else docker/go-units RAMInBytes: a non-negative decimal
/// number, an optional space, an optional case-insensitive unit b, k, m, g, t, p (1024-based),
/// optionally followed by "b" or "ib" ("1.5g", "512 MiB", "1kb"); fractions of a byte truncate.
/// InvalidSpec: `invalid size "…"` or `size "…" overflows`.
Result<std::int64_t> parse_byte_size(std::string_view text);

} // namespace aic::compose
