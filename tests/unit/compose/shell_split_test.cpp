#include "compose/shell_split.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <vector>

// Expected values were checked against mattn/go-shellwords v1.0.13, which compose-go uses for
// string `command` and `entrypoint` values in docker compose v5.

namespace aic::compose {
namespace {

/// Names each parameterised case after its row.
template <typename Row>
std::string row_name(const ::testing::TestParamInfo<Row>& param) {
  return param.param.name;
}

using Words = std::vector<std::string>;

struct SplitRow {
  const char* name;
  std::string text;
  Words expected;         ///< when `error` is empty
  std::string error = {}; ///< the whole expected message
};

void PrintTo(const SplitRow& row, std::ostream* os) {
  *os << row.name << ": " << row.text;
}

class ShellSplitTable : public ::testing::TestWithParam<SplitRow> {};

TEST_P(ShellSplitTable, YieldsTheWordsOrTheError) {
  const SplitRow& row = GetParam();
  const Result<Words> words = shell_split(row.text);
  if (row.error.empty()) {
    ASSERT_TRUE(words.has_value()) << words.error().message();
    EXPECT_EQ(*words, row.expected);
  } else {
    ASSERT_FALSE(words.has_value()) << "split into " << words->size() << " words";
    EXPECT_EQ(words.error().code(), ErrorCode::InvalidSpec);
    EXPECT_EQ(words.error().message(), row.error);
  }
}

const SplitRow kSplitRows[] = {
    {"Empty", "", {}},
    {"OnlySpaces", " \t\r\n ", {}},
    {"PlainWords", "npm run start", {"npm", "run", "start"}},
    {"FoldedYamlCommand",
     "uvicorn app.main:app \n--host 0.0.0.0 \n--reload \n--reload-dir /app/app\n",
     {"uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload", "--reload-dir", "/app/app"}},
    {"RepeatedWhitespace", "a  \t b", {"a", "b"}},
    {"DoubleQuotes", R"(var "--bar baz")", {"var", "--bar baz"}},
    {"QuotesJoinAWord", R"(var --"bar baz")", {"var", "--bar baz"}},
    {"SingleQuotes", "a ' b '", {"a", " b "}},
    {"EmptyQuotedWords", R"(foo "" bar '')", {"foo", "", "bar", ""}},
    {"SingleQuotesInsideDouble", R"(var "--bar='baz'")", {"var", "--bar='baz'"}},
    {"EscapedDoubleQuote", R"(var "--bar=\"baz'")", {"var", "--bar=\"baz'"}},
    {"BackslashLiteralInSingleQuotes", R"(var --bar='\')", {"var", "--bar=\\"}},
    {"EscapedSpace", R"(foo bar\ baz)", {"foo", "bar baz"}},
    {"EscapedBackslash", R"(foo \\)", {"foo", "\\"}},
    {"EscapeDropsTheBackslash", R"("a\$b")", {"a$b"}},
    {"EscapedTabAndNewline",
     R"(sh -c "printf 'Hello\tworld\n'")",
     {"sh", "-c", "printf 'Hello\tworld\n'"}},
    {"EscapedLineBreakIsKept", "a\\\nb", {"a\nb"}},
    {"ShellCommandInSingleQuotes",
     "sh -c 'echo hi && sleep 1'",
     {"sh", "-c", "echo hi && sleep 1"}},
    {"DollarParenIsKeptVerbatim", "echo $(date +%s) x", {"echo", "$(date +%s)", "x"}},
    {"BackticksAreKeptVerbatim", "echo `a b` c", {"echo", "`a b`", "c"}},
    {"HashIsNotAComment", "a#b #c", {"a#b", "#c"}},
    {"Utf8", "echo \u00e9t\u00e9", {"echo", "\u00e9t\u00e9"}},
    {"StopsAtAndAnd", "echo a && echo b", {"echo", "a"}},
    {"StopsAtSemicolon", "a;b", {"a"}},
    {"StopsAtPipe", "cat x | grep y", {"cat", "x"}},
    {"DropsFileDescriptorBeforeRedirect", "cmd 2>/dev/null", {"cmd"}},
    {"KeepsWordNotStartingWithADigit", "cmd a2>x", {"cmd", "a2"}},
    {"EscapedOperatorIsLiteral", R"(foo \& bar)", {"foo", "&", "bar"}},
    // Errors.
    {"UnterminatedSingleQuote", "foo '", {}, "unterminated quote in \"foo '\""},
    {"UnterminatedDoubleQuote", "foo \"bar", {}, "unterminated quote in \"foo \"bar\""},
    {"UnterminatedBacktick", "foo `", {}, "unterminated quote in \"foo `\""},
    {"UnterminatedDollarParen", "echo $(a b", {}, "unterminated quote in \"echo $(a b\""},
    {"TrailingBackslash", "foo \\", {}, "unterminated escape in \"foo \\\""},
    {"BareOpenParen", "echo (a)", {}, "unexpected \"(\" in \"echo (a)\""},
    {"BareCloseParen", "echo a)", {}, "unexpected \")\" in \"echo a)\""},
};

INSTANTIATE_TEST_SUITE_P(Rows, ShellSplitTable, ::testing::ValuesIn(kSplitRows),
                         row_name<ShellSplitTable::ParamType>);

TEST(ShellSplitWords, ReportsWhereAnOperatorStoppedSplitting) {
  const Result<ShellWords> split = shell_split_words("echo a && echo b");
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->words, (Words{"echo", "a"}));
  EXPECT_EQ(split->stopped_at, 7U);
}

TEST(ShellSplitWords, ReportsNoStopWhenTheWholeTextWasSplit) {
  const Result<ShellWords> split = shell_split_words("sh -c 'a && b'");
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->stopped_at, std::string_view::npos);
}

} // namespace
} // namespace aic::compose
