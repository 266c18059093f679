#include "engine/api_version.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace aic::engine {
namespace {

struct ParseRow {
  const char* name;
  const char* text;
  bool ok;
  int major;
  int minor;
};

std::ostream& operator<<(std::ostream& os, const ParseRow& r) {
  return os << r.name;
}

const ParseRow kParseRows[] = {
    {"TwoDigitMinor", "1.41", true, 1, 41},
    {"OneDigitMinor", "1.4", true, 1, 4},
    {"LeadingZeroIsANumber", "1.041", true, 1, 41},
    {"ZeroZero", "0.0", true, 0, 0},
    {"Empty", "", false, 0, 0},
    {"MajorOnly", "1", false, 0, 0},
    {"TrailingDot", "1.", false, 0, 0},
    {"LeadingDot", ".41", false, 0, 0},
    {"LetterMinor", "1.x", false, 0, 0},
    {"VPrefix", "v1.41", false, 0, 0},
    {"ThreeParts", "1.41.2", false, 0, 0},
    {"NegativeMinor", "1.-4", false, 0, 0},
    {"PlusSign", "+1.41", false, 0, 0},
    {"Spaces", " 1.41", false, 0, 0},
    {"TrailingSpace", "1.41 ", false, 0, 0},
    {"OverflowingMinor", "1.99999999999999999999", false, 0, 0},
    {"OverflowingMajor", "4294967296.1", false, 0, 0},
};

class ApiVersionParse : public ::testing::TestWithParam<ParseRow> {};

TEST_P(ApiVersionParse, AcceptsOnlyMajorDotMinor) {
  const ParseRow& row = GetParam();
  const auto version = ApiVersion::parse(row.text);
  ASSERT_EQ(version.has_value(), row.ok) << "\"" << row.text << "\"";
  if (row.ok) {
    EXPECT_EQ(version->major, row.major);
    EXPECT_EQ(version->minor, row.minor);
  } else {
    EXPECT_EQ(version.error().code(), ErrorCode::Internal);
    EXPECT_NE(version.error().message().find("\"" + std::string(row.text) + "\""),
              std::string::npos)
        << version.error().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Table, ApiVersionParse, ::testing::ValuesIn(kParseRows),
                         [](const ::testing::TestParamInfo<ParseRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(ApiVersion, PrintsMajorDotMinor) {
  EXPECT_EQ((ApiVersion{1, 41}).to_string(), "1.41");
  EXPECT_EQ((ApiVersion{1, 4}).to_string(), "1.4");
}

TEST(ApiVersion, ComparesNumericallyNotAsText) {
  EXPECT_LT((ApiVersion{1, 9}), (ApiVersion{1, 10}));
  EXPECT_LT((ApiVersion{1, 47}), (ApiVersion{2, 0}));
}

struct NegotiateRow {
  const char* name;
  ApiVersion server_max;
  ApiVersion server_min;
  bool ok;
  ApiVersion chosen;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const NegotiateRow& r) {
  return os << r.name;
}

const NegotiateRow kNegotiateRows[] = {
    {"NewerEngineIsCappedAtOurNewest", {1, 48}, {1, 24}, true, {1, 47}, ""},
    {"SameNewestIsUsed", {1, 47}, {1, 24}, true, {1, 47}, ""},
    {"OlderEngineWithinRangeUsesItsMax", {1, 43}, {1, 12}, true, {1, 43}, ""},
    {"OurOldestIsAccepted", {1, 41}, {1, 12}, true, {1, 41}, ""},
    {"EngineWhoseMinIsOurNewestIsAccepted", {2, 5}, {1, 47}, true, {1, 47}, ""},
    {"MuchNewerMajorIsCapped", {2, 0}, {1, 24}, true, {1, 47}, ""},
    {"TooOldEngineIsRefused",
     {1, 40},
     {1, 12},
     false,
     {},
     "the engine speaks API 1.12 to 1.40; aic needs 1.41 or newer"},
    {"EngineThatDroppedOurVersionsIsRefused",
     {1, 52},
     {1, 48},
     false,
     {},
     "the engine requires API 1.48 or newer; aic speaks 1.41 to 1.47"},
};

class NegotiateApiVersion : public ::testing::TestWithParam<NegotiateRow> {};

TEST_P(NegotiateApiVersion, PicksTheHighestVersionBothSpeak) {
  const NegotiateRow& row = GetParam();
  const auto chosen = negotiate_api_version(row.server_max, row.server_min);
  ASSERT_EQ(chosen.has_value(), row.ok);
  if (row.ok) {
    EXPECT_EQ(*chosen, row.chosen) << chosen->to_string();
  } else {
    EXPECT_EQ(chosen.error().code(), ErrorCode::EngineUnavailable);
    EXPECT_EQ(chosen.error().message(), row.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, NegotiateApiVersion, ::testing::ValuesIn(kNegotiateRows),
                         [](const ::testing::TestParamInfo<NegotiateRow>& param) {
                           return std::string(param.param.name);
                         });

} // namespace
} // namespace aic::engine
