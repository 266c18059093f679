#include "compose/utf8.hpp"

#include <gtest/gtest.h>

namespace aic::compose {
namespace {

TEST(Utf8, FindsTheFirstByteThatStartsNoWellFormedSequence) {
  EXPECT_EQ(invalid_utf8_offset("plain ascii"), std::string_view::npos);
  EXPECT_EQ(invalid_utf8_offset("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80"),
            std::string_view::npos);
  EXPECT_EQ(invalid_utf8_offset("ab\xff"), 2u);
  EXPECT_EQ(invalid_utf8_offset("a\xc3\x28"), 1u);        // bad continuation
  EXPECT_EQ(invalid_utf8_offset("\xc0\xaf"), 0u);         // overlong '/'
  EXPECT_EQ(invalid_utf8_offset("x\xed\xa0\x80"), 1u);    // UTF-16 surrogate
  EXPECT_EQ(invalid_utf8_offset("\xf4\x90\x80\x80"), 0u); // past U+10FFFF
  EXPECT_EQ(invalid_utf8_offset("\xe2\x82"), 0u);         // truncated
}

TEST(Utf8, ReplacesEachInvalidByteWithTheReplacementCharacter) {
  EXPECT_EQ(to_valid_utf8("ok"), "ok");
  EXPECT_EQ(to_valid_utf8("a\xff"
                          "b"),
            "a\xef\xbf\xbd"
            "b");
  EXPECT_EQ(to_valid_utf8("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(to_valid_utf8("\xc3\xa9"), "\xc3\xa9");
}

} // namespace
} // namespace aic::compose
