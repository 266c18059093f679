#include "compose/interpolation.hpp"

#include <gtest/gtest.h>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace aic::compose {
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

/// The environment most rows use: FOO is set, EMPTY is set but empty, UNSET is not set.
const Env kEnv = {{"FOO", "first"},       {"BAR", "second"},    {"EMPTY", ""},
                  {"JSON", R"({"a":2})"}, {"lower_case", "lc"}, {"_U1", "u1"}};

struct Row {
  const char* name;
  std::string input;
  std::string expected;                ///< output when `error` is empty
  std::string error = {};              ///< substring of the expected error message
  std::vector<std::string> unset = {}; ///< expected `unset` list on success
};

void PrintTo(const Row& row, std::ostream* os) {
  *os << row.name << ": " << row.input;
}

class InterpolationTable : public ::testing::TestWithParam<Row> {};

TEST_P(InterpolationTable, ProducesTheExpectedValueOrError) {
  const Row& row = GetParam();
  const Result<InterpolationOutcome> outcome = interpolate(row.input, lookup_in(kEnv));
  if (row.error.empty()) {
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
    EXPECT_EQ(outcome->value, row.expected);
    EXPECT_EQ(outcome->unset, row.unset);
  } else {
    ASSERT_FALSE(outcome.has_value()) << "got value: " << outcome->value;
    EXPECT_EQ(outcome.error().code(), ErrorCode::InvalidSpec);
    EXPECT_NE(outcome.error().message().find(row.error), std::string::npos)
        << outcome.error().message();
  }
}

const char* const kHint = "You may need to escape any $ with another $.";

const Row kRows[] = {
    // Plain text and literal dollars.
    {"NoDollarIsUnchanged", "plain text", "plain text"},
    {"EmptyInput", "", ""},
    {"DoubleDollarIsLiteral", "$$FOO", "$FOO"},
    {"DoubleDollarBeforeBrace", "$${FOO}", "${FOO}"},
    {"TripleDollar", "$$$FOO", "$first"},
    {"DollarDigitIsLiteral", "$1 and $2", "$1 and $2"},
    {"LoneDollarIsLiteral", "a $ b", "a $ b"},
    {"TrailingDollarIsLiteral", "^REGEX$", "^REGEX$"},
    {"DollarBeforeClosingBrace", "$}", "$}"},
    {"DollarBeforePunctuation", "cost: $-5 $.", "cost: $-5 $."},
    // $VAR.
    {"NamedVariable", "$FOO", "first"},
    {"NamedVariableStopsAtNonNameChar", "$FOO-bar.$BAR/x", "first-bar.second/x"},
    {"NamedVariableIsGreedy", "$FOOBAR", "", "", {"FOOBAR"}},
    {"NamedLowerCaseAndUnderscore", "$lower_case:$_U1", "lc:u1"},
    {"NamedUnsetIsEmptyAndReported", "a${UNSET}b$UNSET", "ab", "", {"UNSET"}},
    {"NamedEmptyIsNotReported", "[$EMPTY]", "[]"},
    // ${VAR}.
    {"BracedVariable", "${FOO}x", "firstx"},
    {"BracedAdjacent", "${FOO}${BAR}", "firstsecond"},
    {"UnsetReportedInOrderWithoutDuplicates", "$B1 $A1 ${B1} $A1", "   ", "", {"B1", "A1"}},
    // ${VAR:-d} and ${VAR-d}.
    {"SoftDefaultWhenUnset", "${UNSET:-def}", "def"},
    {"SoftDefaultWhenEmpty", "${EMPTY:-def}", "def"},
    {"SoftDefaultNotUsedWhenSet", "${FOO:-def}", "first"},
    {"HardDefaultWhenUnset", "${UNSET-def}", "def"},
    {"HardDefaultNotUsedWhenEmpty", "[${EMPTY-def}]", "[]"},
    {"HardDefaultNotUsedWhenSet", "${FOO-def}", "first"},
    {"EmptyDefault", "[${UNSET:-}]", "[]"},
    {"DefaultKeepsOperatorLookalikes", "${EMPTY:-/non:-alpha?+}", "/non:-alpha?+"},
    {"DefaultWithJsonBraces", R"(${UNSET:-{"json":1}})", R"({"json":1})"},
    {"ValueWithJsonBraces", R"(${JSON:-{"json":1}})", R"({"a":2})"},
    {"DefaultWithSpaces", "${UNSET:-a b  c}", "a b  c"},
    {"ExpressionFollowedByText", "${UNSET:-x}} y", "x} y"},
    {"TwoDefaultsOnOneLine", "${UNSET-a} ${EMPTY:-b}", "a b"},
    // ${VAR:+r} and ${VAR+r}.
    {"SoftAlternateWhenSet", "${FOO:+alt}", "alt"},
    {"SoftAlternateNotUsedWhenEmpty", "[${EMPTY:+alt}]", "[]"},
    {"SoftAlternateNotUsedWhenUnsetAndNotReported", "[${UNSET:+alt}]", "[]"},
    {"HardAlternateWhenEmpty", "${EMPTY+alt}", "alt"},
    {"HardAlternateNotUsedWhenUnset", "[${UNSET+alt}]", "[]"},
    // ${VAR:?err} and ${VAR?err}.
    {"SoftRequiredPassesWhenSet", "${FOO:?must be set}", "first"},
    {"HardRequiredPassesWhenEmpty", "[${EMPTY?must be set}]", "[]"},
    {"SoftRequiredFailsWhenUnset", "x ${UNSET:?set UNSET please}", "",
     "required variable UNSET is missing a value: set UNSET please"},
    {"SoftRequiredFailsWhenEmpty", "${EMPTY:?empty}", "",
     "required variable EMPTY is missing a value: empty"},
    {"HardRequiredFailsWhenUnset", "${UNSET?gone}", "",
     "required variable UNSET is missing a value: gone"},
    {"RequiredWithoutText", "${UNSET:?}", "", "required variable UNSET is missing a value"},
    {"RequiredTextIsInterpolated", "${UNSET?need ${FOO} and $BAR}", "",
     "required variable UNSET is missing a value: need first and second"},
    {"FirstOperatorWins", "${UNSET-myerror?msg}", "myerror?msg"},
    {"QuestionMarkBeforeDash", "${UNSET?bar-baz}", "",
     "required variable UNSET is missing a value: bar-baz"},
    // Nesting.
    {"NestedDefault", "${UNSET:-${EMPTY:-inner}}", "inner"},
    {"NestedDefaultUsesOuterValue", "${FOO:-${UNSET:?never evaluated}}", "first"},
    {"NestedNamedInDefault", "${UNSET-$FOO}", "first"},
    {"NestedSeveralInDefault", "${UNSET-${FOO} ${BAR}}", "first second"},
    {"NestedUnsetInUsedDefaultIsReported", "${UNSET:-${GONE}}", "", "", {"GONE"}},
    {"UnusedDefaultIsNotReported", "${FOO:-${GONE}}", "first"},
    {"NestedInAlternate", "${EMPTY+$FOO ${FOO:+second}}", "first second"},
    {"LazyAlternateDoesNotReport", "${A:+${A},}B", "B"},
    {"ThreeLevels", "${U1:-${U2:-${U3:-deep}}}", "deep"},
    {"RequiredInsideUsedDefault", "${UNSET:-${GONE:?inner}}", "",
     "required variable GONE is missing a value: inner"},
    {"DoubleDollarInDefault", "${UNSET:-$$FOO}", "$FOO"},
    {"UnbalancedDefaultFallsBackToLastBraceWhenUnused", "${FOO:-${X}", "first"},
    {"UnbalancedDefaultFailsWhenUsed", "${UNSET:-${X}", "", "invalid interpolation format"},
    // Syntax errors.
    {"UnterminatedBrace", "${FOO", "", "invalid interpolation format for \"${FOO\""},
    {"UnterminatedDefault", "${FOO:-bar", "", "unterminated \"${\""},
    {"LoneDollarBrace", "abc ${", "", kHint},
    {"EmptyBraces", "${}", "", "invalid interpolation format for \"${}\""},
    {"SpaceBeforeName", "${ FOO}", "", kHint},
    {"SpaceAfterName", "${FOO }", "", kHint},
    {"NameStartingWithDigit", "${1FOO}", "", kHint},
    {"DotInBracedName", "${FOO.BAR}", "", kHint},
    {"UnsupportedOperator", "${FOO/a/b}", "", "unexpected \"/\" after variable name \"FOO\""},
    {"ColonWithoutOperator", "${FOO:x}", "", kHint},
    {"DefaultCannotSpanLines", "${UNSET:-a\nb}", "", "invalid interpolation format"},
    {"ErrorQuotesWholeInput", "ok\t${FOO} \"${\"", "", R"(for "ok\t${FOO} \"${\"")"},
    {"SyntaxErrorInUsedDefault", "${UNSET:-${ }}", "", "invalid interpolation format"},
    {"SyntaxErrorInUnusedDefaultIsIgnored", "${FOO:-${ }}", "first"},
};

INSTANTIATE_TEST_SUITE_P(Rows, InterpolationTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param_info) {
                           return std::string(param_info.param.name);
                         });

std::string nested_defaults(int levels) {
  std::string text;
  for (int i = 0; i < levels; ++i) {
    text += "${V" + std::to_string(i) + ":-";
  }
  text += "bottom";
  text.append(static_cast<std::size_t>(levels), '}');
  return text;
}

TEST(Interpolation, AcceptsNestingUpToTheLimit) {
  const Result<InterpolationOutcome> outcome =
      interpolate(nested_defaults(kMaxInterpolationNesting), lookup_in(kEnv));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->value, "bottom");
}

TEST(Interpolation, RejectsNestingBeyondTheLimit) {
  for (const int levels : {kMaxInterpolationNesting + 1, 64, 20000}) {
    const Result<InterpolationOutcome> outcome =
        interpolate(nested_defaults(levels), lookup_in(kEnv));
    ASSERT_FALSE(outcome.has_value()) << levels;
    EXPECT_NE(outcome.error().message().find("nested more than 32 levels"), std::string::npos)
        << outcome.error().message();
  }
}

TEST(Interpolation, DoesNotRecurseIntoDeeplyNestedUnusedDefaults) {
  Env env = kEnv;
  env["V0"] = "top";
  const Result<InterpolationOutcome> outcome = interpolate(nested_defaults(20000), lookup_in(env));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->value, "top");
}

TEST(Interpolation, HandlesLongInputsOfManyExpressions) {
  std::string input;
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    input += "${UNSET:-${EMPTY:-x}}$FOO$$";
    expected += "xfirst$";
  }
  const Result<InterpolationOutcome> outcome = interpolate(input, lookup_in(kEnv));
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->value, expected);
}

TEST(Interpolation, TreatsAnEmptyLookupAsNothingSet) {
  const Result<InterpolationOutcome> outcome = interpolate("${A:-d}$B", VariableLookup{});
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->value, "d");
  EXPECT_EQ(outcome->unset, std::vector<std::string>{"B"});
}

TEST(Interpolation, ConsultsTheLookupOnlyForUsedVariables) {
  std::vector<std::string> asked;
  const VariableLookup lookup = [&asked](std::string_view name) -> std::optional<std::string> {
    asked.emplace_back(name);
    return name == "A" ? std::optional<std::string>("a") : std::nullopt;
  };
  const Result<InterpolationOutcome> outcome = interpolate("${A:-$B}${C+$D}", lookup);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->value, "a");
  EXPECT_EQ(asked, (std::vector<std::string>{"A", "C"}));
}

TEST(Interpolation, TruncatesVeryLongInputsInErrorMessages) {
  const std::string input = std::string(1000, 'x') + "${";
  const Result<InterpolationOutcome> outcome = interpolate(input, lookup_in(kEnv));
  ASSERT_FALSE(outcome.has_value());
  EXPECT_LT(outcome.error().message().size(), 400u);
  EXPECT_NE(outcome.error().message().find("xxx...\""), std::string::npos);
}

} // namespace
} // namespace aic::compose
