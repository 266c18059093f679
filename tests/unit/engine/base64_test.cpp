#include "engine/base64.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace aic::engine {
namespace {

struct Row {
  const char* name;
  std::string bytes;
  const char* standard;
  const char* url;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

// RFC 4648 §10 test vectors, and bytes that differ between the two alphabets.
const Row kRows[] = {
    {"Empty", "", "", ""},
    {"OneByte", "f", "Zg==", "Zg=="},
    {"TwoBytes", "fo", "Zm8=", "Zm8="},
    {"ThreeBytes", "foo", "Zm9v", "Zm9v"},
    {"FourBytes", "foob", "Zm9vYg==", "Zm9vYg=="},
    {"FiveBytes", "fooba", "Zm9vYmE=", "Zm9vYmE="},
    {"SixBytes", "foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"UserColonPassword", "user:pass", "dXNlcjpwYXNz", "dXNlcjpwYXNz"},
    {"HighBitsUse62And63", "\xFB\xFF\xBF", "+/+/", "-_-_"},
    {"NulBytes", std::string("\0\0", 2), "AAA=", "AAA="},
};

class Base64Table : public ::testing::TestWithParam<Row> {};

TEST_P(Base64Table, EncodesWithPadding) {
  EXPECT_EQ(base64_encode(GetParam().bytes, Base64Alphabet::Standard), GetParam().standard);
  EXPECT_EQ(base64_encode(GetParam().bytes, Base64Alphabet::Url), GetParam().url);
}

TEST_P(Base64Table, DecodesWhatItEncodes) {
  EXPECT_EQ(base64_decode(GetParam().standard, Base64Alphabet::Standard), GetParam().bytes);
  EXPECT_EQ(base64_decode(GetParam().url, Base64Alphabet::Url), GetParam().bytes);
}

INSTANTIATE_TEST_SUITE_P(Rfc4648, Base64Table, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  const char* text;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"MissingPadding", "Zg"},
    {"MissingOnePad", "Zm8"},
    {"OneCharacter", "Z"},
    {"TooMuchPadding", "Z==="},
    {"AllPadding", "===="},
    {"PaddingInTheMiddle", "Zg==Zm9v"},
    {"CharacterAfterPadding", "Zm=v"},
    {"SpaceInside", "Zm9 v"},
    {"UrlAlphabetCharacter", "-_-_"},
    {"NotBase64", "user:pass"},
    {"NonAscii", "Zm9\xC3\xA9"},
};

class Base64Errors : public ::testing::TestWithParam<BadRow> {};

TEST_P(Base64Errors, RejectMalformedStandardInput) {
  EXPECT_EQ(base64_decode(GetParam().text, Base64Alphabet::Standard), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Table, Base64Errors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(Base64, DecodeSkipsLineBreaksLikeGo) {
  EXPECT_EQ(base64_decode("Zm9v\r\nYmFy\n"), "foobar");
}

TEST(Base64, UrlDecodeRejectsTheStandardAlphabet) {
  EXPECT_EQ(base64_decode("+/+/", Base64Alphabet::Url), std::nullopt);
}

TEST(Base64, DecodeIgnoresUnusedLowBits) {
  EXPECT_EQ(base64_decode("Zh=="), "f");
}

TEST(Base64, RoundTripsEveryByteValue) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  for (std::size_t n = 0; n <= bytes.size(); n += 37) {
    const std::string part = bytes.substr(0, n);
    EXPECT_EQ(base64_decode(base64_encode(part)), part);
    EXPECT_EQ(base64_decode(base64_encode(part, Base64Alphabet::Url), Base64Alphabet::Url), part);
  }
}

} // namespace
} // namespace aic::engine
