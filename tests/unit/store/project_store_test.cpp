#include "store/project_store.hpp"

#include <cstdlib>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace aic::store {
namespace {

using ::testing::ElementsAre;

class ProjectStoreTest : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/aic-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + root_).c_str()); }
  std::string root_;
};

TEST_F(ProjectStoreTest, SavesLoadsListsAndRemovesProjects) {
  ProjectStore store(root_ + "/state");
  ASSERT_TRUE(store.open());
  ASSERT_TRUE(store.save("web", "{\"a\":1}"));
  ASSERT_TRUE(store.save("api-2", "{}"));
  Result<std::optional<std::string>> loaded = store.load("web");
  ASSERT_TRUE(loaded);
  EXPECT_EQ(loaded->value_or(""), "{\"a\":1}");
  EXPECT_THAT(*store.names(), ElementsAre("api-2", "web"));
  ASSERT_TRUE(store.remove("web"));
  ASSERT_TRUE(store.remove("web"));
  EXPECT_FALSE(store.load("web")->has_value());
  EXPECT_THAT(*store.names(), ElementsAre("api-2"));
}

TEST_F(ProjectStoreTest, StateDirectoryIsPrivate) {
  ProjectStore store(root_ + "/state");
  ASSERT_TRUE(store.open());
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/state/projects").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(ProjectStoreTest, RefusesNamesThatAreNotProjectNames) {
  ProjectStore store(root_);
  ASSERT_TRUE(store.open());
  const std::vector<std::string> bad_names = {
      "", "../x", "a/b", "Web", "-x", std::string("a\0b", 3), std::string(300, 'a')};
  for (const std::string& bad : bad_names) {
    Result<void> saved = store.save(bad, "{}");
    ASSERT_FALSE(saved) << bad;
    EXPECT_EQ(saved.error().code(), ErrorCode::InvalidSpec);
  }
}

TEST_F(ProjectStoreTest, OpenFailsClearlyWhenTheStatePathIsAFile) {
  std::string file = root_ + "/file";
  ASSERT_EQ(std::system(("touch " + file).c_str()), 0);
  ProjectStore store(file);
  Result<void> opened = store.open();
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message().find("not a directory"), std::string::npos);
}

} // namespace
} // namespace aic::store
