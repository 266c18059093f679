#include "compose/units.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <ostream>
#include <string>

// Expected values were checked against xhit/go-str2duration v2.1.0, Go's time.Duration.String
// and docker/go-units v0.5.0 RAMInBytes (behind compose-go's UnitBytes).

namespace aic::compose {
namespace {

/// Names each parameterised case after its row.
template <typename Row>
std::string row_name(const ::testing::TestParamInfo<Row>& param) {
  return param.param.name;
}

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

/// A table row expects either `row.expected` or exactly the InvalidSpec message `row.error`.
template <typename Row>
void expect_value_or_error(const Result<std::int64_t>& parsed, const Row& row) {
  if (row.error.empty()) {
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(*parsed, row.expected);
  } else {
    ASSERT_FALSE(parsed.has_value()) << "parsed " << *parsed;
    EXPECT_EQ(parsed.error().code(), ErrorCode::InvalidSpec);
    EXPECT_EQ(parsed.error().message(), row.error);
  }
}

// ---- parse_duration ---------------------------------------------------------------------------

struct DurationRow {
  const char* name;
  std::string text;
  std::int64_t expected = 0; ///< nanoseconds, when `error` is empty
  std::string error = {};    ///< the whole expected message
};

void PrintTo(const DurationRow& row, std::ostream* os) {
  *os << row.name << ": " << row.text;
}

class ParseDurationTable : public ::testing::TestWithParam<DurationRow> {};

TEST_P(ParseDurationTable, YieldsNanosecondsOrTheError) {
  const DurationRow& row = GetParam();
  expect_value_or_error(parse_duration(row.text), row);
}

const DurationRow kDurationRows[] = {
    {"BareZero", "0", 0},
    {"SignedZero", "-0", 0},
    {"Seconds", "30s", 30 * kSecond},
    {"PlusSign", "+5s", 5 * kSecond},
    {"Negative", "-1.5s", -1'500'000'000},
    {"MinutesAndSeconds", "1m30s", 90 * kSecond},
    {"HoursAndMinutes", "2h45m", (2 * 3600 + 45 * 60) * kSecond},
    {"Hours", "1h", 3600 * kSecond},
    {"Days", "1d", 86400 * kSecond},
    {"Weeks", "1w", 7 * 86400 * kSecond},
    {"FractionalHours", "1.5h", 5400 * kSecond},
    {"FloatFractionOfAnHour", "0.1h", 360 * kSecond},
    {"Milliseconds", "300ms", 300'000'000},
    {"MicrosecondsAscii", "1us", 1'000},
    {"MicroSign", "1\u00b5s", 1'000},
    {"GreekMu", "1\u03bcs", 1'000},
    {"Nanoseconds", "1ns", 1},
    {"NoLeadingDigit", ".5s", 500'000'000},
    {"NoFractionDigits", "5.s", 5 * kSecond},
    {"SubNanosecondFractionTruncates", "1.0000000001s", kSecond},
    {"RepeatedUnits", "1h1h", 7200 * kSecond},
    {"LargestDuration", "9223372036854775807ns", kMax},
    {"LargestInWeeks", "15250w1d23h47m16s854ms775us807ns", kMax},
    {"ManyHours", "2562047h", 2562047LL * 3600 * kSecond},
    // Errors.
    {"Empty", "", 0, "invalid duration \"\""},
    {"SignOnly", "-", 0, "invalid duration \"-\""},
    {"MissingUnit", "10", 0, "invalid duration \"10\": missing unit"},
    {"DoubleZero", "00", 0, "invalid duration \"00\": missing unit"},
    {"UnknownUnit", "5x", 0, "invalid duration \"5x\": unknown unit \"x\""},
    {"UnitsDoNotCombine", "1sm", 0, "invalid duration \"1sm\": unknown unit \"sm\""},
    {"TrailingSpace", "1s ", 0, "invalid duration \"1s \": unknown unit \"s \""},
    {"LeadingSpace", " 1s", 0, "invalid duration \" 1s\""},
    {"UnitOnly", "s", 0, "invalid duration \"s\""},
    {"DotOnly", ".s", 0, "invalid duration \".s\""},
    {"NumberTooLarge", "9223372036854775808ns", 0, "duration \"9223372036854775808ns\" overflows"},
    {"ProductTooLarge", "2562048h", 0, "duration \"2562048h\" overflows"},
    {"DaysTooMany", "106752d", 0, "duration \"106752d\" overflows"},
    {"SumTooLarge", "9223372036854775807ns1ns", 0,
     "duration \"9223372036854775807ns1ns\" overflows"},
    {"FractionTooLarge", "15250w1d23h47m16.854775808s", 0,
     "duration \"15250w1d23h47m16.854775808s\" overflows"},
};

INSTANTIATE_TEST_SUITE_P(Rows, ParseDurationTable, ::testing::ValuesIn(kDurationRows),
                         row_name<ParseDurationTable::ParamType>);

// ---- format_duration --------------------------------------------------------------------------

struct FormatRow {
  std::int64_t nanoseconds;
  const char* expected;
};

class FormatDurationTable : public ::testing::TestWithParam<FormatRow> {};

TEST_P(FormatDurationTable, MatchesGoDurationString) {
  EXPECT_EQ(format_duration(GetParam().nanoseconds), GetParam().expected);
}

const FormatRow kFormatRows[] = {
    {0, "0s"},
    {1, "1ns"},
    {999, "999ns"},
    {1'000, "1\u00b5s"},
    {1'500, "1.5\u00b5s"},
    {1'000'000, "1ms"},
    {1'500'000, "1.5ms"},
    {500'000'000, "500ms"},
    {999'999'999, "999.999999ms"},
    {kSecond, "1s"},
    {1'500'000'000, "1.5s"},
    {1'000'000'001, "1.000000001s"},
    {30 * kSecond, "30s"},
    {90 * kSecond, "1m30s"},
    {3600 * kSecond, "1h0m0s"},
    {10'000 * kSecond, "2h46m40s"},
    {86400 * kSecond, "24h0m0s"},
    {-kSecond, "-1s"},
    {-1'500, "-1.5\u00b5s"},
    {kMax, "2562047h47m16.854775807s"},
    {kMin, "-2562047h47m16.854775808s"},
};

INSTANTIATE_TEST_SUITE_P(Rows, FormatDurationTable, ::testing::ValuesIn(kFormatRows));

TEST(FormatDuration, RoundTripsThroughParseDuration) {
  for (const char* text : {"1h0m0s", "1m30s", "1.5s", "500ms", "1\u00b5s", "7ns", "-2h46m40s"}) {
    const Result<std::int64_t> parsed = parse_duration(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(format_duration(*parsed), text);
  }
}

TEST(FormatDuration, PrintsDaysAndWeeksAsHours) {
  const Result<std::int64_t> parsed = parse_duration("1w1d");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(format_duration(*parsed), "192h0m0s");
}

// ---- parse_byte_size --------------------------------------------------------------------------

struct SizeRow {
  const char* name;
  std::string text;
  std::int64_t expected = 0; ///< bytes, when `error` is empty
  std::string error = {};    ///< the whole expected message
};

void PrintTo(const SizeRow& row, std::ostream* os) {
  *os << row.name << ": " << row.text;
}

class ParseByteSizeTable : public ::testing::TestWithParam<SizeRow> {};

TEST_P(ParseByteSizeTable, YieldsBytesOrTheError) {
  const SizeRow& row = GetParam();
  expect_value_or_error(parse_byte_size(row.text), row);
}

constexpr std::int64_t kKiB = 1024;
constexpr std::int64_t kMiB = 1024 * kKiB;
constexpr std::int64_t kGiB = 1024 * kMiB;
constexpr std::int64_t kTiB = 1024 * kGiB;
constexpr std::int64_t kPiB = 1024 * kTiB;

const SizeRow kSizeRows[] = {
    {"Zero", "0", 0},
    {"PlainBytes", "512", 512},
    {"MinusOneMeansUnlimited", "-1", -1},
    {"PlusSign", "+5", 5},
    {"LargestInt", "9223372036854775807", kMax},
    {"ByteSuffix", "512b", 512},
    {"Kilo", "1k", kKiB},
    {"KiloB", "1kb", kKiB},
    {"KiB", "1KiB", kKiB},
    {"MixedCaseKiB", "1kIb", kKiB},
    {"UpperK", "1K", kKiB},
    {"Mega", "64m", 64 * kMiB},
    {"MB", "1MB", kMiB},
    {"Giga", "2g", 2 * kGiB},
    {"FractionalGiga", "1.5g", kGiB + kGiB / 2},
    {"SpaceBeforeUnit", "1 kb", kKiB},
    {"Tera", "1t", kTiB},
    {"Peta", "1p", kPiB},
    {"LargestPeta", "8191p", 8191 * kPiB},
    {"HalfKilo", "0.5k", 512},
    {"LeadingDot", ".5k", 512},
    {"FractionOfAByteTruncates", "1.7", 1},
    {"Exponent", "1e3", 1000},
    {"Underscore", "1_000", 1000},
    {"HexFloat", "0x1p4", 16},
    {"TinyRoundsToZero", "1e-400k", 0},
    // Errors.
    {"Empty", "", 0, "invalid size \"\""},
    {"UnitOnly", "k", 0, "invalid size \"k\""},
    {"Negative", "-1k", 0, "invalid size \"-1k\""},
    {"TwoSpaces", "1  kb", 0, "invalid size \"1  kb\""},
    {"LeadingSpace", " 1", 0, "invalid size \" 1\""},
    {"Comma", "1,5g", 0, "invalid size \"1,5g\""},
    {"UnknownUnit", "1x", 0, "invalid size \"1x\": unknown unit \"x\""},
    {"ExaIsUnknown", "1e", 0, "invalid size \"1e\": unknown unit \"e\""},
    {"DoubleB", "1kbb", 0, "invalid size \"1kbb\": unknown unit \"kbb\""},
    {"ByteWithExtra", "1bb", 0, "invalid size \"1bb\": unknown unit \"bb\""},
    {"IbWithoutPrefix", "1ib", 0, "invalid size \"1ib\": unknown unit \"ib\""},
    {"DanglingUnderscore", "10_", 0, "invalid size \"10_\": unknown unit \"_\""},
    {"HexWithoutExponent", "0x10", 0, "invalid size \"0x10\""},
    {"NotANumber", "nan ", 0, "invalid size \"nan \""},
    {"PetaOverflow", "8192p", 0, "size \"8192p\" overflows"},
    {"IntegerOverflow", "9223372036854775808", 0, "size \"9223372036854775808\" overflows"},
};

INSTANTIATE_TEST_SUITE_P(Rows, ParseByteSizeTable, ::testing::ValuesIn(kSizeRows),
                         row_name<ParseByteSizeTable::ParamType>);

} // namespace
} // namespace aic::compose
