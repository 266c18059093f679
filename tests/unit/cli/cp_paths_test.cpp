#include "cli/cp_paths.hpp"

#include <gtest/gtest.h>

namespace aic::cli {
namespace {

TEST(CpPaths, SplitsServiceArgumentsAsComposeDoes) {
  EXPECT_EQ(split_cp_arg("web:/etc/hosts").service, "web");
  EXPECT_EQ(split_cp_arg("web:/etc/hosts").path, "/etc/hosts");
  EXPECT_EQ(split_cp_arg("web:rel").path, "rel");
  EXPECT_EQ(split_cp_arg("/abs/a:b").service, "");
  EXPECT_EQ(split_cp_arg("./a:b").service, "");
  EXPECT_EQ(split_cp_arg("./a:b").path, "./a:b");
  EXPECT_EQ(split_cp_arg("plain").service, "");
  EXPECT_EQ(split_cp_arg("-").path, "-");
}

TEST(CpPaths, CleansLikeGo) {
  EXPECT_EQ(clean_path(""), ".");
  EXPECT_EQ(clean_path("a//b/./c/"), "a/b/c");
  EXPECT_EQ(clean_path("/../a/../b"), "/b");
  EXPECT_EQ(clean_path("../a"), "../a");
  EXPECT_EQ(base_name("/a/b/"), "b");
  EXPECT_EQ(base_name("/"), "/");
  EXPECT_EQ(base_name("dir/."), ".");
  EXPECT_EQ(dir_name("/a/b"), "/a");
  EXPECT_EQ(dir_name("b"), ".");
  EXPECT_EQ(dir_name("/b"), "/");
  EXPECT_EQ(split_dir_entry("dir/.").first, "dir");
  EXPECT_EQ(split_dir_entry("dir/.").second, ".");
  EXPECT_EQ(split_dir_entry("out/").second, "out");
  EXPECT_TRUE(asserts_directory("out/"));
  EXPECT_TRUE(asserts_directory("out/."));
  EXPECT_FALSE(asserts_directory("out"));
}

TEST(CpPaths, AFileIntoAnExistingDirectoryKeepsItsName) {
  Result<CopyPlan> plan = plan_copy({"/src/a.txt", true, false, ""}, {"/dst", true, true, ""});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->directory, "/dst");
  EXPECT_EQ(plan->name, "a.txt");
}

TEST(CpPaths, AFileOverAFileOrToANewPathTakesTheDestinationName) {
  Result<CopyPlan> over = plan_copy({"/src/a.txt", true, false, ""}, {"/dst/b", true, false, ""});
  ASSERT_TRUE(over);
  EXPECT_EQ(over->directory, "/dst");
  EXPECT_EQ(over->name, "b");
  Result<CopyPlan> fresh = plan_copy({"a.txt", true, false, ""}, {"new", false, false, ""});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->directory, ".");
  EXPECT_EQ(fresh->name, "new");
}

TEST(CpPaths, DirectoryContentsGoIntoAnExistingDirectoryWithoutATopEntry) {
  Result<CopyPlan> plan = plan_copy({"/src/dir/.", true, true, ""}, {"/dst", true, true, ""});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->name, "");
  Result<CopyPlan> fresh = plan_copy({"/src/dir/.", true, true, ""}, {"/dst/x", false, false, ""});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->directory, "/dst");
  EXPECT_EQ(fresh->name, "x");
}

TEST(CpPaths, AFollowedLinkKeepsTheRequestedName) {
  Result<CopyPlan> plan =
      plan_copy({"/real/target", true, false, "link"}, {"/dst", true, true, ""});
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->name, "link");
}

TEST(CpPaths, RefusesADirectoryOverAFileAndAFileIntoAMissingDirectory) {
  Result<CopyPlan> dir_over_file =
      plan_copy({"/src/dir", true, true, ""}, {"/dst/file", true, false, ""});
  ASSERT_FALSE(dir_over_file);
  EXPECT_NE(dir_over_file.error().message().find("cannot copy a directory to a file"),
            std::string::npos);
  Result<CopyPlan> missing_dir =
      plan_copy({"/src/a", true, false, ""}, {"/nope/", false, false, ""});
  ASSERT_FALSE(missing_dir);
  EXPECT_NE(missing_dir.error().message().find("no such directory"), std::string::npos);
}

} // namespace
} // namespace aic::cli
