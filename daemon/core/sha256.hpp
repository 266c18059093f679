#pragma once

#include <string>
#include <string_view>

namespace aic {

/// SHA-256 (FIPS 180-4) of `data`, as 64 lowercase hex digits. Used for config hashes, where
/// Compose uses the same digest; not for anything secret.
std::string sha256_hex(std::string_view data);

} // namespace aic
