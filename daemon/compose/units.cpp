#include "compose/units.hpp"

#include "compose/diagnostic.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>

namespace aic::compose {
namespace {

constexpr std::int64_t kMaxInt64 = std::numeric_limits<std::int64_t>::max();

Error invalid_duration(std::string_view text, std::string_view why = {}) {
  std::string message = "invalid duration " + quote_for_message(text);
  if (!why.empty()) {
    message += ": ";
    message += why;
  }
  return Error(ErrorCode::InvalidSpec, std::move(message));
}

Error duration_overflow(std::string_view text) {
  return Error(ErrorCode::InvalidSpec, "duration " + quote_for_message(text) + " overflows");
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// Nanoseconds per unit; the micro sign (U+00B5) and Greek mu (U+03BC) both spell "µs".
std::optional<std::int64_t> duration_unit(std::string_view unit) {
  constexpr std::int64_t kSecond = 1'000'000'000;
  constexpr std::int64_t kHour = 3600 * kSecond;
  if (unit == "ns") {
    return 1;
  }
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
    return 1'000;
  }
  if (unit == "ms") {
    return 1'000'000;
  }
  if (unit == "s") {
    return kSecond;
  }
  if (unit == "m") {
    return 60 * kSecond;
  }
  if (unit == "h") {
    return kHour;
  }
  if (unit == "d") {
    return 24 * kHour;
  }
  if (unit == "w") {
    return 168 * kHour;
  }
  return std::nullopt;
}

/// The value of the leading digits of `s` (consumed), or nullopt when it exceeds int64.
std::optional<std::int64_t> leading_int(std::string_view& s) {
  std::int64_t x = 0;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (x > (kMaxInt64 - (s[i] - '0')) / 10) {
      return std::nullopt;
    }
    x = x * 10 + (s[i] - '0');
  }
  s.remove_prefix(i);
  return x;
}

struct Fraction {
  std::int64_t digits = 0; // the fraction is digits / scale
  double scale = 1;
};

/// Consumes the leading digits of `s` as a fraction; precision stops growing instead of
/// overflowing, as in Go's time package.
Fraction leading_fraction(std::string_view& s) {
  Fraction f;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < s.size() && is_digit(s[i]); ++i) {
    if (overflow) {
      continue;
    }
    if (f.digits > (kMaxInt64 - (s[i] - '0')) / 10) {
      overflow = true;
      continue;
    }
    f.digits = f.digits * 10 + (s[i] - '0');
    f.scale *= 10;
  }
  s.remove_prefix(i);
  return f;
}

/// Go's strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits only.
std::optional<std::int64_t> parse_go_int64(std::string_view s) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') {
      return std::nullopt;
    }
  }
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || ptr != s.data() + s.size() || s.empty()) {
    return std::nullopt;
  }
  return value;
}

bool is_hex_digit(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/// For a number that from_chars found out of range: whether it is too small rather than too
/// large, judged by where its first significant digit sits once the exponent is applied.
bool underflows(std::string_view text, bool hex) {
  const std::size_t exp_at = text.find_first_of(hex ? "pP" : "eE");
  const std::string_view mantissa = text.substr(0, exp_at);
  std::int64_t exponent = 0;
  if (exp_at != std::string_view::npos) {
    std::string_view digits = text.substr(exp_at + 1);
    const bool exp_negative = !digits.empty() && digits.front() == '-';
    if (!digits.empty() && (digits.front() == '-' || digits.front() == '+')) {
      digits.remove_prefix(1);
    }
    for (char c : digits) {
      exponent = std::min<std::int64_t>(exponent * 10 + (c - '0'), 1'000'000'000'000);
    }
    exponent = exp_negative ? -exponent : exponent;
  }
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_not_of("0.");
  if (first == std::string_view::npos) {
    return true;
  }
  // Digits before the point counted from the first significant one; negative for 0.00ddd.
  const auto magnitude = first < point ? static_cast<std::int64_t>(point - first)
                                       : -static_cast<std::int64_t>(first - point - 1);
  return magnitude * (hex ? 4 : 1) + exponent <= 0;
}

/// Go's strconv.ParseFloat(s, 64): decimal ("1.5", ".5", "5.", "1e3") or hexadecimal with a
/// binary exponent ("0x1p4"), '_' allowed only between digits. Infinities and NaN are refused:
/// they cannot be sizes.
std::optional<double> parse_go_float(std::string_view s) {
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const bool hex = s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  if (hex) {
    s.remove_prefix(2);
  }
  auto digit = [hex](char c) { return hex ? is_hex_digit(c) : is_digit(c); };
  std::string text;
  text.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      text += s[i];
      continue;
    }
    // The base prefix counts as a digit before an underscore ("0x_1p4").
    const bool after_digit = i == 0 ? hex : digit(s[i - 1]);
    if (!after_digit || i + 1 == s.size() || !digit(s[i + 1])) {
      return std::nullopt;
    }
  }
  if (text.empty() || !(digit(text.front()) || text.front() == '.')) {
    return std::nullopt;
  }
  if (hex && text.find_first_of("pP") == std::string::npos) {
    return std::nullopt; // a hexadecimal mantissa needs a 'p' exponent
  }
  double value = 0;
  const auto format = hex ? std::chars_format::hex : std::chars_format::general;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value, format);
  if (ptr != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  if (ec == std::errc::result_out_of_range && underflows(text, hex)) {
    value = 0; // Go rounds a too-small value to zero instead of failing
  } else if (ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

} // namespace

Result<std::int64_t> parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    return std::int64_t{0};
  }
  if (s.empty()) {
    return invalid_duration(text);
  }
  std::int64_t total = 0;
  while (!s.empty()) {
    if (!(s.front() == '.' || is_digit(s.front()))) {
      return invalid_duration(text);
    }
    const std::size_t before = s.size();
    const std::optional<std::int64_t> whole = leading_int(s);
    if (!whole) {
      return duration_overflow(text);
    }
    const bool has_whole = s.size() != before;
    Fraction fraction;
    bool has_fraction = false;
    if (!s.empty() && s.front() == '.') {
      s.remove_prefix(1);
      const std::size_t at_fraction = s.size();
      fraction = leading_fraction(s);
      has_fraction = s.size() != at_fraction;
    }
    if (!has_whole && !has_fraction) {
      return invalid_duration(text);
    }
    std::size_t unit_len = 0;
    while (unit_len < s.size() && s[unit_len] != '.' && !is_digit(s[unit_len])) {
      ++unit_len;
    }
    if (unit_len == 0) {
      return invalid_duration(text, "missing unit");
    }
    const std::string_view unit_text = s.substr(0, unit_len);
    s.remove_prefix(unit_len);
    const std::optional<std::int64_t> unit = duration_unit(unit_text);
    if (!unit) {
      return invalid_duration(text, "unknown unit " + quote_for_message(unit_text));
    }
    std::int64_t value = 0;
    if (__builtin_mul_overflow(*whole, *unit, &value)) {
      return duration_overflow(text);
    }
    if (fraction.digits > 0) {
      // Same float arithmetic as Go so that results agree to the nanosecond; the product is
      // below one unit (at most a week), so the conversion cannot overflow.
      const auto part = static_cast<std::int64_t>(static_cast<double>(fraction.digits) *
                                                  (static_cast<double>(*unit) / fraction.scale));
      if (__builtin_add_overflow(value, part, &value)) {
        return duration_overflow(text);
      }
    }
    if (__builtin_add_overflow(total, value, &total)) {
      return duration_overflow(text);
    }
  }
  return negative ? -total : total;
}

std::string format_duration(std::int64_t nanoseconds) {
  // Built right to left, like Go's Duration.format.
  std::array<char, 32> buf{};
  std::size_t w = buf.size();
  auto put = [&](char c) { buf[--w] = c; };
  auto put_int = [&](std::uint64_t v) {
    if (v == 0) {
      put('0');
      return;
    }
    for (; v > 0; v /= 10) {
      put(static_cast<char>('0' + v % 10));
    }
  };
  // Writes v's last `precision` digits as ".ddd" without trailing zeros, returns v / 10^precision.
  auto put_fraction = [&](std::uint64_t v, int precision) {
    bool printing = false;
    for (int i = 0; i < precision; ++i) {
      const auto digit = static_cast<char>(v % 10);
      printing = printing || digit != 0;
      if (printing) {
        put(static_cast<char>('0' + digit));
      }
      v /= 10;
    }
    if (printing) {
      put('.');
    }
    return v;
  };

  const bool negative = nanoseconds < 0;
  std::uint64_t u = static_cast<std::uint64_t>(nanoseconds);
  if (negative) {
    u = 0 - u;
  }
  constexpr std::uint64_t kMicro = 1'000;
  constexpr std::uint64_t kMilli = 1'000'000;
  constexpr std::uint64_t kSecond = 1'000'000'000;
  if (u < kSecond) {
    put('s');
    if (u == 0) {
      return "0s";
    }
    int precision = 0;
    if (u < kMicro) {
      put('n');
    } else if (u < kMilli) {
      precision = 3;
      put('\xB5'); // U+00B5 MICRO SIGN, as Go prints it
      put('\xC2');
    } else {
      precision = 6;
      put('m');
    }
    put_int(put_fraction(u, precision));
  } else {
    put('s');
    u = put_fraction(u, 9);
    put_int(u % 60);
    u /= 60;
    if (u > 0) {
      put('m');
      put_int(u % 60);
      u /= 60;
      if (u > 0) {
        put('h');
        put_int(u);
      }
    }
  }
  if (negative) {
    put('-');
  }
  return std::string(buf.data() + w, buf.size() - w);
}

Result<std::int64_t> parse_byte_size(std::string_view text) {
  if (const std::optional<std::int64_t> plain = parse_go_int64(text)) {
    return *plain;
  }
  auto invalid = [&](std::string_view why = {}) {
    std::string message = "invalid size " + quote_for_message(text);
    if (!why.empty()) {
      message += ": ";
      message += why;
    }
    return Error(ErrorCode::InvalidSpec, std::move(message));
  };

  // The number ends at the last digit, '.' or space; a space there separates it from the unit.
  const std::size_t sep = text.find_last_of("0123456789. ");
  if (sep == std::string_view::npos) {
    return invalid();
  }
  const std::string_view number = text.substr(0, text[sep] == ' ' ? sep : sep + 1);
  const std::string_view suffix = text.substr(sep + 1);

  const std::optional<double> parsed = parse_go_float(number);
  if (!parsed || *parsed < 0) {
    return invalid();
  }
  double size = *parsed;
  if (!suffix.empty()) {
    std::string unit;
    for (char c : suffix) {
      unit += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    const std::string why = "unknown unit " + quote_for_message(suffix);
    if (unit.size() > 3) {
      return invalid(why);
    }
    if (unit[0] == 'b') {
      if (unit.size() > 1) {
        return invalid(why);
      }
    } else {
      constexpr std::string_view kPrefixes = "kmgtp";
      const std::size_t power = kPrefixes.find(unit[0]);
      if (power == std::string_view::npos) {
        return invalid(why);
      }
      if ((unit.size() == 2 && unit[1] != 'b') || (unit.size() == 3 && unit.substr(1) != "ib")) {
        return invalid(why);
      }
      size *= std::ldexp(1.0, 10 * static_cast<int>(power + 1));
    }
  }
  // 2^63 is exactly representable; anything at or above it does not fit.
  if (size >= std::ldexp(1.0, 63)) {
    return Error(ErrorCode::InvalidSpec, "size " + quote_for_message(text) + " overflows");
  }
  return static_cast<std::int64_t>(size);
}

} // namespace aic::compose
