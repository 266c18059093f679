#include "engine/json_stream.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <vector>

namespace aic::engine {
namespace {

using Objects = std::vector<std::string>;

struct Row {
  const char* name;
  std::string stream;
  Objects objects;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    {"EmptyStream", "", {}},
    {"OnlyWhitespace", " \r\n\t\n", {}},
    {"OneObject", R"({"status":"Pulling"})", {R"({"status":"Pulling"})"}},
    {"EmptyObject", "{}", {"{}"}},
    {"OnePerLine", "{\"a\":1}\r\n{\"b\":2}\n", {R"({"a":1})", R"({"b":2})"}},
    {"BackToBackWithoutNewlines",
     R"({"a":1}{"b":2}{"c":3})",
     {R"({"a":1})", R"({"b":2})", R"({"c":3})"}},
    {"WhitespaceBeforeAndBetween", "  {\"a\":1} \t {\"b\":2}  ", {R"({"a":1})", R"({"b":2})"}},
    {"WhitespaceInsideIsKept", "{ \"a\" :\n 1 }", {"{ \"a\" :\n 1 }"}},
    {"NestedObjects",
     R"({"progressDetail":{"current":1,"total":{"x":{}}}}{})",
     {R"({"progressDetail":{"current":1,"total":{"x":{}}}})", "{}"}},
    {"ArraysInside", R"({"a":[{"b":[1,2]},{}]})", {R"({"a":[{"b":[1,2]},{}]})"}},
    {"BracesInsideStrings",
     R"({"msg":"}{ not a boundary {{"})",
     {R"({"msg":"}{ not a boundary {{"})"}},
    {"EscapedQuoteInString",
     R"({"msg":"say \"}\" please"}{})",
     {R"({"msg":"say \"}\" please"})", "{}"}},
    {"EscapedBackslashBeforeQuote",
     R"({"path":"C:\\"}{"n":1})",
     {R"({"path":"C:\\"})", R"({"n":1})"}},
    {"ManyBackslashes", R"({"s":"\\\\\"}"})", {R"({"s":"\\\\\"}"})"}},
    {"UnicodeEscape", R"({"s":"\u007d"})", {R"({"s":"\u007d"})"}},
    {"Utf8InStrings", "{\"s\":\"\xE2\x9C\x93 }\"}", {"{\"s\":\"\xE2\x9C\x93 }\"}"}},
    {"KeysWithBraces", R"({"{":"}","}":"{"})", {R"({"{":"}","}":"{"})"}},
};

class JsonObjectSplitterTable : public ::testing::TestWithParam<Row> {};

TEST_P(JsonObjectSplitterTable, SplitsTheStreamFedInOneCall) {
  JsonObjectSplitter splitter;
  Objects objects;
  ASSERT_TRUE(splitter.feed(GetParam().stream, objects));
  EXPECT_TRUE(splitter.finish());
  EXPECT_EQ(objects, GetParam().objects);
}

TEST_P(JsonObjectSplitterTable, GivesTheSameObjectsWhereverTheStreamIsCut) {
  const std::string& stream = GetParam().stream;
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    JsonObjectSplitter splitter;
    Objects objects;
    ASSERT_TRUE(splitter.feed(std::string_view(stream).substr(0, cut), objects));
    ASSERT_TRUE(splitter.feed(std::string_view(stream).substr(cut), objects));
    EXPECT_TRUE(splitter.finish());
    EXPECT_EQ(objects, GetParam().objects) << "cut at " << cut;
  }
}

TEST_P(JsonObjectSplitterTable, GivesTheSameObjectsFedOneByteAtATime) {
  JsonObjectSplitter splitter;
  Objects objects;
  for (const char c : GetParam().stream) {
    ASSERT_TRUE(splitter.feed(std::string_view(&c, 1), objects));
  }
  EXPECT_TRUE(splitter.finish());
  EXPECT_EQ(objects, GetParam().objects);
}

INSTANTIATE_TEST_SUITE_P(Table, JsonObjectSplitterTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  std::string stream;
  Objects objects; // completed before the error
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"TopLevelArray", "[{}]", {}, "malformed JSON stream: unexpected '[' between objects"},
    {"TopLevelString", "\"x\"", {}, "malformed JSON stream: unexpected '\"' between objects"},
    {"TopLevelNumber", "{}1", {"{}"}, "malformed JSON stream: unexpected '1' between objects"},
    {"StrayClosingBrace",
     "{\"a\":1}}",
     {R"({"a":1})"},
     "malformed JSON stream: unexpected '}' between objects"},
    {"CommaBetweenObjects",
     "{},{}",
     {"{}"},
     "malformed JSON stream: unexpected ',' between objects"},
    {"PlainText",
     "Error: no such image",
     {},
     "malformed JSON stream: unexpected 'E' between objects"},
    {"NulByte",
     std::string("{}\0", 3),
     {"{}"},
     "malformed JSON stream: unexpected byte 0x00 between objects"},
    {"VerticalTabIsNotJsonWhitespace",
     "\v{}",
     {},
     "malformed JSON stream: unexpected byte 0x0B between objects"},
    {"ByteOrderMark",
     "\xEF\xBB\xBF{}",
     {},
     "malformed JSON stream: unexpected byte 0xEF between objects"},
};

class JsonObjectSplitterErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(JsonObjectSplitterErrors, RejectBytesOutsideObjects) {
  JsonObjectSplitter splitter;
  Objects objects;
  const auto fed = splitter.feed(GetParam().stream, objects);
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(fed.error().message(), GetParam().message);
  EXPECT_EQ(objects, GetParam().objects);
  EXPECT_FALSE(splitter.finish());
}

INSTANTIATE_TEST_SUITE_P(Table, JsonObjectSplitterErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(JsonObjectSplitter, FinishFailsInsideAnUnfinishedObject) {
  for (const char* stream : {"{", R"({"a":{})", R"({"a":"}})", "{}{\"b\":\"\\"}) {
    JsonObjectSplitter splitter;
    Objects objects;
    ASSERT_TRUE(splitter.feed(stream, objects)) << stream;
    const auto finished = splitter.finish();
    ASSERT_FALSE(finished) << stream;
    EXPECT_EQ(finished.error().code(), ErrorCode::EngineUnavailable);
    EXPECT_EQ(finished.error().message().rfind("malformed JSON stream: the stream ended inside", 0),
              0u)
        << finished.error().message();
  }
}

TEST(JsonObjectSplitter, FinishNamesThePendingBytes) {
  JsonObjectSplitter splitter;
  Objects objects;
  ASSERT_TRUE(splitter.feed("{}  {\"a\"", objects));
  const auto finished = splitter.finish();
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().message(),
            "malformed JSON stream: the stream ended inside an object (4 bytes pending)");
}

TEST(JsonObjectSplitter, AcceptsAnObjectOfExactlyTheLimit) {
  JsonObjectSplitter splitter(10);
  Objects objects;
  ASSERT_TRUE(splitter.feed(R"({"a":"12"}{"b":"34"})", objects));
  EXPECT_EQ(objects, (Objects{R"({"a":"12"})", R"({"b":"34"})"}));
}

TEST(JsonObjectSplitter, RejectsAnObjectOverTheLimit) {
  JsonObjectSplitter splitter(10);
  Objects objects;
  const auto fed = splitter.feed(R"({"a":"123"})", objects);
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(fed.error().message(), "malformed JSON stream: an object is larger than 10 bytes");
}

TEST(JsonObjectSplitter, RejectsAnOversizedObjectArrivingInPieces) {
  JsonObjectSplitter splitter(10);
  Objects objects;
  ASSERT_TRUE(splitter.feed(R"({"a":)", objects));
  ASSERT_TRUE(splitter.feed(R"("12)", objects));
  EXPECT_FALSE(splitter.feed(R"(34"})", objects));
  EXPECT_TRUE(objects.empty());
}

TEST(JsonObjectSplitter, WhitespaceBetweenObjectsDoesNotCountTowardsTheLimit) {
  JsonObjectSplitter splitter(2);
  Objects objects;
  ASSERT_TRUE(splitter.feed(std::string(100, '\n') + "{}" + std::string(100, ' ') + "{}", objects));
  EXPECT_EQ(objects, (Objects{"{}", "{}"}));
}

TEST(JsonObjectSplitter, StaysFailedAfterAnError) {
  JsonObjectSplitter splitter;
  Objects objects;
  ASSERT_FALSE(splitter.feed("x", objects));
  const auto again = splitter.feed("{}", objects);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), "malformed JSON stream: unexpected 'x' between objects");
  EXPECT_TRUE(objects.empty());
}

TEST(JsonObjectSplitter, StaysLinearOnABigObjectFedOneByteAtATime) {
  // 1 MiB in single bytes: a splitter that rescanned its pending buffer would run for minutes
  // and hit the test timeout.
  const std::size_t size = std::size_t{1} << 20;
  std::string object = "{\"s\":\"";
  object += std::string(size - object.size() - 2, 'x');
  object += "\"}";
  JsonObjectSplitter splitter(size);
  Objects objects;
  for (const char c : object) {
    ASSERT_TRUE(splitter.feed(std::string_view(&c, 1), objects));
  }
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].size(), size);
}

} // namespace
} // namespace aic::engine
