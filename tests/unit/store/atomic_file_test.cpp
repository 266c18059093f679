#include "store/atomic_file.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace aic::store {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
protected:
  void SetUp() override {
    char dir_template[] = "/tmp/aic-store-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  /// Names in the directory, to see that no temporary file was left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string dir_;
};

TEST_F(AtomicFile, WritesANewFileWithTheGivenMode) {
  const std::string path = dir_ + "/project.json";
  ASSERT_TRUE(write_file_atomically(path, "{\"a\":1}", 0640));
  auto read = read_file(path, 1024);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->value_or(""), "{\"a\":1}");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_EQ(entries(), (std::vector<std::string>{"project.json"}));
}

TEST_F(AtomicFile, ReplacesAnExistingFileWhole) {
  const std::string path = dir_ + "/project.json";
  ASSERT_TRUE(write_file_atomically(path, std::string(100'000, 'a')));
  ASSERT_TRUE(write_file_atomically(path, "short"));
  EXPECT_EQ(read_file(path, 1 << 20)->value_or(""), "short");
  EXPECT_EQ(entries(), (std::vector<std::string>{"project.json"}));
}

TEST_F(AtomicFile, FailureNamesThePathAndLeavesNothingBehind) {
  const std::string path = dir_ + "/missing-dir/project.json";
  auto written = write_file_atomically(path, "x");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code(), ErrorCode::Internal);
  EXPECT_NE(written.error().message().find(path), std::string::npos) << written.error().message();
  EXPECT_TRUE(entries().empty());
}

TEST_F(AtomicFile, RenameOntoADirectoryFailsWithoutATemporaryLeft) {
  const std::string path = dir_ + "/taken";
  fs::create_directory(path);
  fs::create_directory(path + "/inside"); // a non-empty directory cannot be renamed over
  auto written = write_file_atomically(path, "x");
  ASSERT_FALSE(written);
  EXPECT_NE(written.error().message().find("cannot replace"), std::string::npos)
      << written.error().message();
  EXPECT_EQ(entries(), (std::vector<std::string>{"taken"}));
}

TEST_F(AtomicFile, ReadOfAMissingFileIsNotAnError) {
  auto read = read_file(dir_ + "/none.json", 10);
  ASSERT_TRUE(read);
  EXPECT_FALSE(read->has_value());
}

TEST_F(AtomicFile, ReadRefusesAFileOverTheLimit) {
  const std::string path = dir_ + "/big.json";
  ASSERT_TRUE(write_file_atomically(path, std::string(2048, 'x')));
  auto read = read_file(path, 1024);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message().find("larger than 1024 bytes"), std::string::npos);
}

} // namespace
} // namespace aic::store
