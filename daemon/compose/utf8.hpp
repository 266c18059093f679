#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aic::compose {

/// Offset of the first byte that does not start a well-formed UTF-8 sequence, or npos.
std::size_t invalid_utf8_offset(std::string_view s);

/// `s` with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view s);

} // namespace aic::compose
