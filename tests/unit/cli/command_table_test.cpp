#include "cli/command.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <set>
#include <sstream>

namespace aic::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Ran {
  int code = 0;
  std::string out;
  std::string err;
};

Ran run_aic(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  Invocation inv{std::move(args), {{"HOME", "/root"}}, "/", &out, &err};
  int code = run(inv);
  return {code, out.str(), err.str()};
}

TEST(CommandTable, NamesAreUniqueSortedAndDescribed) {
  std::set<std::string> names;
  std::string previous;
  for (const auto& c : command_table()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_LT(previous, c.name);
    previous = c.name;
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_TRUE(c.run) << c.name;
    std::set<std::string> flags;
    for (const auto& f : c.all_flags()) {
      EXPECT_TRUE(flags.insert(f.long_name).second) << c.name << " --" << f.long_name;
      EXPECT_FALSE(f.help.empty()) << c.name << " --" << f.long_name;
    }
  }
  for (const char* expected :
       {"config", "down", "images", "kill", "logs", "ls", "pause", "port", "ps", "restart", "rm",
        "start", "stop", "top", "unpause", "up", "version", "wait"}) {
    EXPECT_NE(find_command(expected), nullptr) << expected;
  }
  EXPECT_EQ(find_command("nosuch"), nullptr);
}

TEST(CommandTable, HelpListsEveryCommandAndEachCommandHasItsOwn) {
  Ran help = run_aic({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const auto& c : command_table()) {
    EXPECT_THAT(help.out, HasSubstr("  " + c.name + " ")) << c.name;
    Ran own = run_aic({c.name, "--help"});
    EXPECT_EQ(own.code, 0) << c.name;
    EXPECT_THAT(own.out, HasSubstr("Usage:  aic " + c.name));
    EXPECT_THAT(own.out, HasSubstr(c.summary));
    for (const auto& f : c.all_flags()) {
      EXPECT_THAT(own.out, HasSubstr("--" + f.long_name)) << c.name;
    }
  }
  Ran unknown = run_aic({"nosuch"});
  EXPECT_EQ(unknown.code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command \"nosuch\""));
  Ran bad_flag = run_aic({"ps", "--nosuch"});
  EXPECT_EQ(bad_flag.code, 2);
  EXPECT_THAT(bad_flag.err, HasSubstr("--nosuch"));
  EXPECT_THAT(bad_flag.err, HasSubstr("aic ps --help"));
}

TEST(CommandTable, FlagsAfterTheFirstPositionalBelongToTheCommandWhenAsked) {
  std::vector<FlagSpec> specs = {{"user", 'u', true, "USER", "user"},
                                 {"detach", 'd', false, "", "detach"}};
  Result<ParsedArgs> parsed = parse_args({"-d", "web", "ls", "-l", "--user", "x"}, specs, 1);
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->has("detach"));
  EXPECT_FALSE(parsed->has("user"));
  EXPECT_EQ(parsed->positionals(), (std::vector<std::string>{"web", "ls", "-l", "--user", "x"}));
  Result<ParsedArgs> all = parse_args({"web", "-d"}, specs);
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->has("detach"));
}

/// Writes `text` to a temporary file and runs `shell -n` on it.
int syntax_check(const std::string& shell, const std::string& text) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("aic-completion-" + std::to_string(::getpid()) + "." + shell))
                         .string();
  std::ofstream(path) << text;
  int status = std::system((shell + " -n " + path + " 2>&1").c_str());
  std::filesystem::remove(path);
  return status;
}

TEST(Completion, BashScriptIsValidAndCompletesCommandsAndFlags) {
  Ran bash = run_aic({"completion", "bash"});
  ASSERT_EQ(bash.code, 0);
  EXPECT_EQ(syntax_check("bash", bash.out), 0) << bash.out;
  for (const auto& c : command_table()) {
    EXPECT_THAT(bash.out, HasSubstr(" " + c.name)) << c.name;
    EXPECT_THAT(bash.out, HasSubstr("    " + c.name + ")\n"));
  }
  EXPECT_THAT(bash.out, HasSubstr("--no-log-prefix"));
  EXPECT_THAT(bash.out, HasSubstr("complete -F _aic aic"));

  // Drive it: complete `aic lo` and `aic logs --fo`.
  std::string path = (std::filesystem::temp_directory_path() /
                      ("aic-completion-drive-" + std::to_string(::getpid()) + ".bash"))
                         .string();
  std::ofstream(path) << bash.out
                      << "COMP_WORDS=(aic lo); COMP_CWORD=1; _aic; echo \"${COMPREPLY[*]}\"\n"
                         "COMP_WORDS=(aic logs --fo); COMP_CWORD=2; _aic; "
                         "echo \"${COMPREPLY[*]}\"\n";
  FILE* pipe = ::popen(("bash " + path).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe)) {
    out += buf;
  }
  ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(out, "logs\n--follow\n");
}

TEST(Completion, ZshScriptDescribesEveryCommand) {
  Ran zsh = run_aic({"completion", "zsh"});
  ASSERT_EQ(zsh.code, 0);
  EXPECT_THAT(zsh.out, HasSubstr("#compdef aic"));
  for (const auto& c : command_table()) {
    EXPECT_THAT(zsh.out, HasSubstr("'" + c.name + ":")) << c.name;
  }
  if (std::system("command -v zsh >/dev/null 2>&1") == 0) {
    EXPECT_EQ(syntax_check("zsh", zsh.out), 0) << zsh.out;
  }
  Ran fish = run_aic({"completion", "fish"});
  EXPECT_EQ(fish.code, 2);
  EXPECT_THAT(fish.err, HasSubstr("unsupported shell"));
}

} // namespace
} // namespace aic::cli
