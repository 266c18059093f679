#include "compose/dotenv.hpp"

#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace aic::compose {

void PrintTo(const EnvVar& var, std::ostream* os) {
  *os << "{" << var.name << "=" << testing::PrintToString(var.value) << " @" << var.line << "}";
}

namespace {

using Env = std::map<std::string, std::string, std::less<>>;

VariableLookup lookup_in(const Env& env) {
  return [&env](std::string_view name) -> std::optional<std::string> {
    if (const auto it = env.find(name); it != env.end()) {
      return it->second;
    }
    return std::nullopt;
  };
}

std::vector<EnvVar> parse_ok(std::string_view content, const Env& env = {}) {
  Result<std::vector<EnvVar>> vars = parse_dotenv(content, lookup_in(env));
  EXPECT_TRUE(vars.has_value()) << vars.error().message();
  return vars.has_value() ? *vars : std::vector<EnvVar>{};
}

std::string parse_error(std::string_view content, const Env& env = {}) {
  Result<std::vector<EnvVar>> vars = parse_dotenv(content, lookup_in(env));
  EXPECT_FALSE(vars.has_value());
  if (vars.has_value()) {
    return "";
  }
  EXPECT_EQ(vars.error().code(), ErrorCode::InvalidSpec);
  return vars.error().message();
}

/// The value of the only variable `content` defines.
std::string value_of(std::string_view content, const Env& env = {}) {
  const std::vector<EnvVar> vars = parse_ok(content, env);
  EXPECT_EQ(vars.size(), 1u) << content;
  return vars.empty() ? "<none>" : vars.front().value;
}

using Vars = std::vector<EnvVar>;

TEST(Dotenv, ParsesSimpleAssignmentsWithLineNumbers) {
  EXPECT_EQ(parse_ok("A=1\nB=two\n\nC=3"), (Vars{{"A", "1", 1}, {"B", "two", 2}, {"C", "3", 4}}));
}

TEST(Dotenv, ReturnsNothingForEmptyOrBlankContent) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok("\n\r\n \t \n").empty());
}

TEST(Dotenv, TrimsWhitespaceAroundKeyAndUnquotedValue) {
  EXPECT_EQ(parse_ok("  KEY =  some value \t\r\n\tB= x"),
            (Vars{{"KEY", "some value", 1}, {"B", "x", 2}}));
}

TEST(Dotenv, AcceptsExportPrefix) {
  EXPECT_EQ(parse_ok("export A=1\nexport\tB='2'\n  export C=\"export C\""),
            (Vars{{"A", "1", 1}, {"B", "2", 2}, {"C", "export C", 3}}));
}

TEST(Dotenv, TreatsExportWithoutFollowingKeyAsAName) {
  EXPECT_EQ(parse_ok("exportFOO=1\nexport_BAR=2\nexport=3"),
            (Vars{{"exportFOO", "1", 1}, {"export_BAR", "2", 2}, {"export", "3", 3}}));
}

TEST(Dotenv, AcceptsYamlStyleColonSeparator) {
  EXPECT_EQ(parse_ok("A: 1\nB: x=y\nC=1:2"),
            (Vars{{"A", "1", 1}, {"B", "x=y", 2}, {"C", "1:2", 3}}));
}

TEST(Dotenv, AcceptsComposeGoNameCharacters) {
  EXPECT_EQ(parse_ok("a.b=1\nVAR-DASH=2\na[1]=3\n1ABC=4"),
            (Vars{{"a.b", "1", 1}, {"VAR-DASH", "2", 2}, {"a[1]", "3", 3}, {"1ABC", "4", 4}}));
}

TEST(Dotenv, SkipsFullLineAndIndentedComments) {
  EXPECT_EQ(parse_ok("# header\nA=1\n   # indented\n\t#tab\nB=2 # trailing\n#end"),
            (Vars{{"A", "1", 2}, {"B", "2", 5}}));
}

TEST(Dotenv, StartsInlineCommentsOnlyAfterASpaceInUnquotedValues) {
  EXPECT_EQ(value_of("A=bar #comment"), "bar");
  EXPECT_EQ(value_of("A=bar #"), "bar");
  EXPECT_EQ(value_of("A=123#not-a-comment"), "123#not-a-comment");
  EXPECT_EQ(value_of("A=url?x=1#frag"), "url?x=1#frag");
}

TEST(Dotenv, KeepsHashInsideQuotesAndAllowsCommentAfterClosingQuote) {
  EXPECT_EQ(value_of("A=\"bar#baz\" # comment"), "bar#baz");
  EXPECT_EQ(value_of("A='bar #baz'#comment"), "bar #baz");
}

TEST(Dotenv, ReadsEmptyValues) {
  EXPECT_EQ(parse_ok("A=\nB=''\nC=\"\"\nD=   "),
            (Vars{{"A", "", 1}, {"B", "", 2}, {"C", "", 3}, {"D", "", 4}}));
}

// compose-go trims the blanks after `=` before it looks for " #", so this is a value, not a
// comment.
TEST(Dotenv, KeepsAHashThatStartsAnUnquotedValueLikeComposeGo) {
  EXPECT_EQ(value_of("A=   # not a comment"), "# not a comment");
}

TEST(Dotenv, KeepsSingleQuotedValuesLiteral) {
  EXPECT_EQ(value_of("A='$FOO ${BAR} \\n \\\\ \"x\"'", {{"FOO", "f"}}),
            "$FOO ${BAR} \\n \\\\ \"x\"");
  EXPECT_EQ(value_of("A='it\\'s'"), "it's");
}

TEST(Dotenv, ExpandsEscapesInDoubleQuotedValues) {
  EXPECT_EQ(value_of(R"(A="a\nb\tc\\d\"e\rf")"), "a\nb\tc\\d\"e\rf");
  EXPECT_EQ(value_of(R"(A="Z\aZ\bZ\fZ\vZ\0123Z")"), "Z\aZ\bZ\fZ\vZSZ");
}

TEST(Dotenv, KeepsUnknownEscapesInDoubleQuotedValues) {
  EXPECT_EQ(value_of(R"(A="\x07 \u12e4 \q \ b")"), R"(\x07 \u12e4 \q \ b)");
  EXPECT_EQ(value_of(R"(A="\012 \0")"), R"(\012 \0)");
}

TEST(Dotenv, DoesNotExpandEscapesInUnquotedValues) {
  EXPECT_EQ(value_of(R"(A=a\tb\n)"), R"(a\tb\n)");
}

TEST(Dotenv, ReadsMultiLineQuotedValuesAndCountsTheirLines) {
  EXPECT_EQ(parse_ok("A=\"first line\nsecond line\"\nB='x\ny\nz'\nC=3"),
            (Vars{{"A", "first line\nsecond line", 1}, {"B", "x\ny\nz", 3}, {"C", "3", 6}}));
}

TEST(Dotenv, ExpandsVariablesInUnquotedAndDoubleQuotedValues) {
  EXPECT_EQ(parse_ok("FOO=test\nA=$FOO\nB=${FOO}bar\nC=\"quote $FOO\"\nD=${NOPE:-dflt}\nE=$NOPE"),
            (Vars{{"FOO", "test", 1},
                  {"A", "test", 2},
                  {"B", "testbar", 3},
                  {"C", "quote test", 4},
                  {"D", "dflt", 5},
                  {"E", "", 6}}));
}

TEST(Dotenv, PrefersTheLookupOverEarlierDefinitionsWhenExpanding) {
  const Vars vars = parse_ok("HOST=localhost\nURL=\"http://${HOST}\"", {{"HOST", "host.local"}});
  EXPECT_EQ(vars, (Vars{{"HOST", "localhost", 1}, {"URL", "http://host.local", 2}}));
}

TEST(Dotenv, UsesTheLookupForVariablesNotDefinedInTheFile) {
  EXPECT_EQ(value_of("TEST=$ME", {{"ME", "YES"}}), "YES");
}

TEST(Dotenv, EscapedDollarsAreNotExpanded) {
  EXPECT_EQ(value_of(R"(A="foo\$BAR")", {{"BAR", "x"}}), "foo$BAR");
  EXPECT_EQ(value_of(R"(A="foo\${BAR} ${BAR}")", {{"BAR", "x"}}), "foo${BAR} x");
  EXPECT_EQ(value_of("A=$$BAR", {{"BAR", "x"}}), "$BAR");
}

TEST(Dotenv, InheritsBareKeysFromTheLookupAndSkipsUnsetOnes) {
  EXPECT_EQ(parse_ok("FROM_OS\nMISSING\nexport ALSO_OS\nB=1\nLAST_OS",
                     {{"FROM_OS", "v"}, {"ALSO_OS", ""}, {"LAST_OS", "z"}}),
            (Vars{{"FROM_OS", "v", 1}, {"ALSO_OS", "", 3}, {"B", "1", 4}, {"LAST_OS", "z", 5}}));
}

TEST(Dotenv, KeepsTheFirstPositionAndTheLastValueOfADuplicateKey) {
  EXPECT_EQ(parse_ok("A=1\nB=2\nA=3\nC=$A"), (Vars{{"A", "3", 3}, {"B", "2", 2}, {"C", "3", 4}}));
}

TEST(Dotenv, SkipsAUtf8ByteOrderMark) {
  EXPECT_EQ(parse_ok("\xEF\xBB\xBFOPTION_A=1"), (Vars{{"OPTION_A", "1", 1}}));
}

TEST(Dotenv, ReportsUnterminatedQuotesAtTheOpeningLine) {
  for (const char* content :
       {"A=1\nKEY=\"", "A=1\nKEY=\"value", "A=1\nKEY=\"value\\\"", "A=1\nKEY=\"value'",
        "A=1\nKEY='", "A=1\nKEY='value\nmore", "A=1\nKEY='value\\'", "A=1\nKEY='value\""}) {
    EXPECT_EQ(parse_error(content), "line 2: unterminated quoted value") << content;
  }
}

TEST(Dotenv, RejectsInvalidVariableNamesWithTheirLine) {
  EXPECT_EQ(parse_error("A=1\nlol$wut"),
            "line 2: invalid variable name \"lol$wut\": unexpected character \"$\"");
  EXPECT_EQ(parse_error("# c\n\nINVALID LINE\nB=2"),
            "line 3: invalid variable name \"INVALID LINE\": a name cannot contain spaces");
  EXPECT_EQ(parse_error("\"A\"=1"),
            "line 1: invalid variable name \"\\\"A\\\"\": unexpected character \"\\\"\"");
  EXPECT_NE(parse_error("=value").find("line 1: invalid variable name \"\""), std::string::npos);
}

TEST(Dotenv, RejectsTextAfterAClosingQuote) {
  EXPECT_EQ(parse_error("A=\"x\ny\" B=2"), "line 2: unexpected \"B\" after the closing quote");
}

TEST(Dotenv, ReportsInterpolationErrorsWithTheirLine) {
  EXPECT_EQ(parse_error("A=1\nB=${NEEDED:?set it}"),
            "line 2: required variable NEEDED is missing a value: set it");
  EXPECT_NE(parse_error("A=1\n\nC=\"${BROKEN\"").find("line 3: invalid interpolation format"),
            std::string::npos);
}

TEST(Dotenv, TreatsAnEmptyLookupAsNothingSet) {
  const Result<std::vector<EnvVar>> vars = parse_dotenv("A=1\nB=$A\nC", VariableLookup{});
  ASSERT_TRUE(vars.has_value());
  EXPECT_EQ(*vars, (Vars{{"A", "1", 1}, {"B", "1", 2}}));
}

TEST(Dotenv, HandlesCrlfLineEndings) {
  EXPECT_EQ(parse_ok("A=1\r\nB=\"two\"\r\n# c\r\nC='3' \r\n"),
            (Vars{{"A", "1", 1}, {"B", "two", 2}, {"C", "3", 4}}));
}

} // namespace
} // namespace aic::compose
