#include "engine/dockerignore.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace aic::engine {
namespace {

// One .dockerignore, one path, and whether `docker build` leaves that path out of the context
// (moby/patternmatcher's MatchesOrParentMatches on ignorefile.ReadAll's patterns).
struct Row {
  const char* name;
  const char* file;
  const char* path;
  bool excluded;
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    {"StarMatchesATopLevelFile", "*.log", "app.log", true},
    {"StarStaysInsideOnePathElement", "*.log", "logs/app.log", false},
    {"DoubleStarSlashMatchesAtAnyDepth", "**/*.log", "a/b/c/app.log", true},
    {"DoubleStarSlashMatchesZeroDirectories", "**/*.log", "app.log", true},
    {"TrailingSlashIsCleanedAway", "build/", "build", true},
    {"DirectoryPatternExcludesItsContents", "build/", "build/out/app.bin", true},
    {"PatternsAreAnchoredAtTheContextRoot", "build/", "src/build", false},
    {"LeadingSlashIsStripped", "/build", "build/x", true},
    {"LeadingDotSlashIsStripped", "./build", "build", true},
    {"PatternsAreCleaned", "a/../b//c/.", "b/c", true},
    {"ExceptionReincludesAMatchedFile", "*.log\n!keep.log", "keep.log", false},
    {"ExceptionLeavesOtherMatchesExcluded", "*.log\n!keep.log", "other.log", true},
    {"LastMatchingPatternWins", "!keep.log\n*.log", "keep.log", true},
    {"ExceptionAloneExcludesNothing", "!*.log", "a.log", false},
    {"DoubleStarAloneMatchesEverything", "**", "anything/at/all.txt", true},
    {"DoubleStarAloneMatchesTopLevelFiles", "**", "file", true},
    {"DoubleStarBetweenMatchesNoDirectory", "a/**/b", "a/b", true},
    {"DoubleStarBetweenMatchesManyDirectories", "a/**/b", "a/x/y/b", true},
    {"DoubleStarBetweenNeedsAWholeElement", "a/**/b", "a/xb", false},
    {"DoubleStarBetweenMatchesAParent", "a/**/b", "a/x/b/c.txt", true},
    {"TrailingDoubleStarMatchesContents", "foo/**", "foo/bar", true},
    {"TrailingDoubleStarDoesNotMatchTheDirectoryItself", "foo/**", "foo", false},
    {"LeadingDoubleStarWithoutWildcardIsASuffixTest", "**.txt", "a/b.txt", true},
    {"DoubleStarInsideAWordNeedsASlash", "a**b", "axb", false},
    {"DoubleStarInsideAWordSpansDirectories", "a**b", "a/x/b", true},
    {"DoubleStarSlashMatchesTheBareName", "**/foo", "foo", true},
    {"DoubleStarSlashDoesNotMatchAWordSuffix", "**/foo", "afoo", false},
    {"ClassMatchesOneListedCharacter", "[abc].txt", "b.txt", true},
    {"ClassRejectsUnlistedCharacter", "[abc].txt", "d.txt", false},
    {"ClassRangeMatches", "[a-c].txt", "c.txt", true},
    {"CaretNegatesAClass", "[^abc].txt", "d.txt", true},
    {"NegatedClassRejectsListedCharacter", "[^abc].txt", "a.txt", false},
    {"QuestionMarkMatchesOneCharacter", "?.txt", "a.txt", true},
    {"QuestionMarkMatchesOneMultibyteCharacter", "?.txt", "\xC3\xA9.txt", true},
    {"QuestionMarkDoesNotMatchTwoCharacters", "?.txt", "ab.txt", false},
    {"QuestionMarkDoesNotMatchASlash", "a?b", "a/b", false},
    {"CommentLinesAreIgnored", "# *.md\n*.txt", "README.md", false},
    {"CommentLineIsNotAPattern", "# comment", "# comment", false},
    {"IndentedHashIsAPattern", "  #notcomment", "#notcomment", true},
    {"BlankLinesAreIgnored", "\n\n*.tmp\n\n", "a.tmp", true},
    {"TrailingSpacesAreTrimmed", "*.tmp   ", "a.tmp", true},
    {"LeadingSpacesAreTrimmed", "  \t*.tmp", "a.tmp", true},
    {"CarriageReturnsAreTrimmed", "*.log\r\n!keep.log\r\n", "keep.log", false},
    {"ByteOrderMarkIsStripped", "\xEF\xBB\xBF*.log", "a.log", true},
    {"BackslashEscapesAHash", "\\#file", "#file", true},
    {"EscapedStarIsLiteral", "\\*", "a", false},
    {"EscapedStarMatchesAStar", "\\*", "*", true},
    {"DotIsLiteral", "a.b", "axb", false},
    {"StarSlashTempMatchesOneLevelDown", "*/temp*", "somedir/temporary.txt", true},
    {"StarSlashTempDoesNotMatchTopLevel", "*/temp*", "temp.txt", false},
    {"TwoStarsMatchTwoLevelsDown", "*/*/temp?", "a/b/tempx", true},
    {"TempQuestionMatchesOneMoreCharacter", "temp?", "tempa", true},
    {"TempQuestionNeedsTheCharacter", "temp?", "temp", false},
    {"NestedExceptionKeepsOneFile", "docs/\n!docs/README.md", "docs/README.md", false},
    {"NestedExceptionKeepsTheRestExcluded", "docs/\n!docs/README.md", "docs/other.md", true},
    {"ExceptionOfADirectoryReincludesItsContents", "*\n!src", "src/main.c", false},
    {"ExceptionOfAFileLeavesSiblingsExcluded", "*\n!src/keep", "src/other", true},
    {"StarExcludesEveryTopLevelDirectory", "*", "a/b", true},
    {"ParentDirectoryMatchExcludesDeepFiles", "node_modules", "node_modules/x/y.js", true},
    {"ParentMatchIsAnchoredAtTheRoot", "node_modules", "src/node_modules/x.js", false},
    {"DoubleStarFindsNestedDirectories", "**/node_modules", "src/node_modules/x.js", true},
    {"DotDirectoriesAreOrdinaryNames", ".git", ".git/HEAD", true},
    {"MatchingIsCaseSensitive", "*.LOG", "a.log", false},
    {"StrayClosingBracketIsLiteral", "a]b", "a]b", true},
    {"CaretWithoutWildcardsIsLiteral", "^foo", "^foo", true},
    {"CaretBeforeAWildcardIsADockerAnchor", "^foo*", "foo.txt", true},
    {"EmptyFileExcludesNothing", "", "a", false},
    {"TheRootIsNeverExcluded", "*", "", false},
};

class DockerIgnoreTable : public ::testing::TestWithParam<Row> {};

TEST_P(DockerIgnoreTable, AnswersLikeDocker) {
  const Row& row = GetParam();
  const auto ignore = DockerIgnore::parse(row.file);
  ASSERT_TRUE(ignore) << ignore.error().describe();
  EXPECT_EQ(ignore->excludes(row.path), row.excluded)
      << "patterns: \"" << row.file << "\" path: \"" << row.path << "\"";
}

INSTANTIATE_TEST_SUITE_P(Docker, DockerIgnoreTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  const char* file;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"UnclosedClass", "*.log\n\n[a", ".dockerignore:3: invalid pattern \"[a\""},
    {"BareExclamation", "a\n!", ".dockerignore:2: invalid exclusion pattern \"!\""},
    {"ExclamationOfRoot", "!/", ".dockerignore:1: invalid exclusion pattern \"!/\""},
    {"TrailingBackslash", "foo\\", ".dockerignore:1: invalid pattern \"foo\\\""},
    {"EmptyClass", "[]a]", ".dockerignore:1: invalid pattern \"[]a]\""},
    {"OpenRange", "[a-]", ".dockerignore:1: invalid pattern \"[a-]\""},
    {"ReversedRange", "[z-a]", ".dockerignore:1: invalid pattern \"[z-a]\""},
    {"CommentsCountAsLines", "# c\n\n  x[  ", ".dockerignore:3: invalid pattern \"x[\""},
};

class DockerIgnoreErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(DockerIgnoreErrors, NameTheLineAndThePattern) {
  const BadRow& row = GetParam();
  const auto ignore = DockerIgnore::parse(row.file);
  ASSERT_FALSE(ignore);
  EXPECT_EQ(ignore.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(ignore.error().message(), row.message);
}

INSTANTIATE_TEST_SUITE_P(Docker, DockerIgnoreErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

DockerIgnore parsed(const char* file) {
  auto r = DockerIgnore::parse(file);
  EXPECT_TRUE(r);
  return std::move(r).value();
}

TEST(DockerIgnore, PatternsAreCleanedAndKeepTheirExclamation) {
  const auto ignore = parsed("/a\n./b/\n! /c/../d\n# x\n\n  e  \n");
  EXPECT_EQ(ignore.patterns(), (std::vector<std::string>{"a", "b", "!d", "e"}));
}

TEST(DockerIgnore, MayReincludeUnderADirectoryNamedByAnException) {
  const auto ignore = parsed("docs\n!docs/README.md");
  EXPECT_TRUE(ignore.excludes("docs"));
  EXPECT_TRUE(ignore.may_reinclude_under("docs"));
  EXPECT_TRUE(ignore.may_reinclude_under("docs/"));
  EXPECT_FALSE(ignore.may_reinclude_under("src"));
  EXPECT_FALSE(ignore.may_reinclude_under("doc"));
}

TEST(DockerIgnore, MayReincludeUnderTheExceptedDirectoryItself) {
  const auto ignore = parsed("*\n!src");
  EXPECT_TRUE(ignore.may_reinclude_under("src"));
  EXPECT_FALSE(ignore.may_reinclude_under("src2"));
}

TEST(DockerIgnore, MayReincludeOnlyOnWholePathElements) {
  const auto ignore = parsed("docs/**\n!docs/sub/x");
  EXPECT_TRUE(ignore.may_reinclude_under("docs/sub"));
  EXPECT_FALSE(ignore.may_reinclude_under("docs/subx"));
  EXPECT_FALSE(ignore.may_reinclude_under("docs/sub/x/y"));
}

TEST(DockerIgnore, WildcardExceptionsDoNotForceADescentLikeDocker) {
  const auto ignore = parsed("docs\n!*/keep");
  EXPECT_FALSE(ignore.may_reinclude_under("docs"));
}

TEST(DockerIgnore, NoExceptionsMeansNoDescent) {
  const auto ignore = parsed("node_modules\n*.log");
  EXPECT_FALSE(ignore.may_reinclude_under("node_modules"));
}

TEST(DockerIgnore, EmptyFileHasNoPatternsAndExcludesNothing) {
  const DockerIgnore ignore = parsed("");
  EXPECT_FALSE(ignore.excludes("a"));
  EXPECT_FALSE(ignore.may_reinclude_under("a"));
  EXPECT_TRUE(ignore.patterns().empty());
}

TEST(DockerIgnore, ManyDoubleStarsDoNotBacktrackCatastrophically) {
  std::string pattern;
  for (int i = 0; i < 200; ++i) {
    pattern += "a/**/";
  }
  pattern += "b";
  std::string path;
  for (int i = 0; i < 2000; ++i) {
    path += "a/";
  }
  path += "c";
  const auto ignore = parsed(pattern.c_str());
  EXPECT_FALSE(ignore.excludes(path));
  EXPECT_TRUE(ignore.excludes(path.substr(0, path.size() - 1) + "b"));
}

TEST(DockerIgnore, CopiesShareTheCompiledPatterns) {
  const auto original = parsed("*.log\n!keep.log");
  const DockerIgnore copy = original; // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_TRUE(copy.excludes("a.log"));
  EXPECT_FALSE(copy.excludes("keep.log"));
  EXPECT_EQ(copy.patterns(), original.patterns());
}

} // namespace
} // namespace aic::engine
