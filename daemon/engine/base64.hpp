#pragma once

// Base64 (RFC 4648) as Go's encoding/base64 StdEncoding and URLEncoding do it: always padded.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aic::engine {

/// Standard uses '+' and '/' (§4); Url uses '-' and '_' (§5). Both pad with '='.
enum class Base64Alphabet : std::uint8_t { Standard, Url };

/// Encodes with padding.
std::string base64_encode(std::string_view bytes,
                          Base64Alphabet alphabet = Base64Alphabet::Standard);

/// Decodes padded input like Go's DecodeString: '\r' and '\n' anywhere are skipped; anything
/// else outside the alphabet, a missing or misplaced '=', or a length that is not a multiple of 4
/// gives nullopt. Unused low bits of the last character are not checked.
std::optional<std::string> base64_decode(std::string_view text,
                                         Base64Alphabet alphabet = Base64Alphabet::Standard);

} // namespace aic::engine
