// The bad-input suite: every tests/fixtures/bad/*.yml is a broken compose file whose leading
// comments say exactly what the loader must answer:
//
//   # env: NAME=VALUE        (optional, repeatable) set in the loader's environment
//   # expect: file:line:col: key.path: message   (one per error line, in sorted order)
//
// Each file is loaded on its own from the fixtures directory, with HOME=/root and its `# env:`
// lines as the whole environment, and must fail with InvalidSpec and exactly those lines.

#include "compose/file_source.hpp"
#include "compose/loader.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>
#include <string>
#include <vector>

namespace aic::compose {
namespace {

constexpr std::size_t kMinimumBadFiles = 45;
constexpr std::string_view kExpectPrefix = "# expect: ";
constexpr std::string_view kEnvPrefix = "# env: ";

std::string bad_dir() {
  return std::string(AIC_FIXTURES_DIR) + "/bad";
}

/// The names (not paths) of the fixture files, sorted.
std::vector<std::string> bad_files() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yml") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// What a fixture's header promises.
struct BadCase {
  std::vector<std::string> expected;
  std::map<std::string, std::string> environment;
};

/// Reads the leading run of `#` lines; other comments in it are ignored.
BadCase read_header(const std::string& name) {
  BadCase out;
  std::ifstream in(bad_dir() + "/" + name);
  std::string line;
  while (std::getline(in, line) && line.rfind('#', 0) == 0) {
    if (line.rfind(kExpectPrefix, 0) == 0) {
      out.expected.push_back(line.substr(kExpectPrefix.size()));
    } else if (line.rfind(kEnvPrefix, 0) == 0) {
      const std::string assignment = line.substr(kEnvPrefix.size());
      const std::size_t eq = assignment.find('=');
      out.environment[assignment.substr(0, eq)] =
          eq == std::string::npos ? std::string() : assignment.substr(eq + 1);
    }
  }
  return out;
}

/// Every error line: the message when there is one problem, else the details.
std::vector<std::string> error_lines(const Error& error) {
  return error.details().empty() ? std::vector<std::string>{error.message()} : error.details();
}

/// "01-unclosed-bracket.yml" -> "01_unclosed_bracket": a valid gtest parameter name.
std::string case_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param.substr(0, info.param.rfind('.'));
  for (char& c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      c = '_';
    }
  }
  return name;
}

class BadInputFile : public ::testing::TestWithParam<std::string> {};

TEST_P(BadInputFile, IsRefusedWithExactlyTheLinesItsHeaderExpects) {
  const BadCase bad = read_header(GetParam());
  ASSERT_FALSE(bad.expected.empty()) << GetParam() << " has no `# expect:` line";

  LoadOptions options;
  options.working_dir = bad_dir();
  options.files = {GetParam()};
  options.environment = {{"HOME", "/root"}};
  for (const auto& [name, value] : bad.environment) {
    options.environment[name] = value;
  }
  const Result<LoadedProject> loaded = load_project(options, DiskFileSource());

  ASSERT_FALSE(loaded) << GetParam() << " loaded without an error";
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec) << loaded.error().describe();
  EXPECT_EQ(error_lines(loaded.error()), bad.expected);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BadInputFile, ::testing::ValuesIn(bad_files()), case_name);

TEST(BadInputSuite, HoldsAtLeastFortyFiveFiles) {
  EXPECT_GE(bad_files().size(), kMinimumBadFiles) << "in " << bad_dir();
}

// Hostile inputs too large to commit: built in memory, they must be refused by the reader's
// limits (the messages prove which limit stopped them) rather than exhaust the stack or memory.

std::vector<std::string> load_errors(const std::string& name, const std::string& content) {
  MemoryFileSource files;
  files.add("/p/" + name, content);
  LoadOptions options;
  options.working_dir = "/p";
  options.files = {name};
  options.environment = {{"HOME", "/root"}};
  const Result<LoadedProject> loaded = load_project(options, files);
  if (loaded) {
    ADD_FAILURE() << name << " loaded without an error";
    return {};
  }
  EXPECT_EQ(loaded.error().code(), ErrorCode::InvalidSpec);
  return error_lines(loaded.error());
}

// yaml-cpp's own depth guard (2000 levels) stops the parse before the converter's limit;
// yaml_reader reports it with the same message as its own limit.
TEST(BadInputLimits, RefusesOneHundredThousandNestedFlowSequences) {
  EXPECT_EQ(load_errors("deep.yml", std::string(100'000, '[') + "\n"),
            std::vector<std::string>{"deep.yml:2:1: nesting deeper than 128 levels"});
}

TEST(BadInputLimits, RefusesOneHundredThousandNestedFlowMappings) {
  std::string content = "services: ";
  for (int i = 0; i < 100'000; ++i) {
    content += "{a: ";
  }
  EXPECT_EQ(load_errors("deep.yml", content + "\n"),
            std::vector<std::string>{"deep.yml:1:2002: nesting deeper than 128 levels"});
}

// Twenty levels of twenty aliases each: 20^20 nodes once expanded, a few kilobytes as text.
TEST(BadInputLimits, StopsExpandingALargeAliasBombAtTheNodeLimit) {
  std::string content = "x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol, lol, lol, "
                        "lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level < 20; ++level) {
    const std::string alias = "*l" + std::to_string(level - 1);
    content += "x-l" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 20; ++i) {
      content += (i == 0 ? "" : ", ") + alias;
    }
    content += "]\n";
  }
  content += "services:\n  web:\n    image: nginx\n";
  EXPECT_EQ(load_errors("bomb.yml", content),
            std::vector<std::string>{
                "bomb.yml:1:7: the document expands to more than 250000 nodes (too many "
                "aliases?)"});
}

} // namespace
} // namespace aic::compose
