#include "archive/tar_writer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace aic::archive {
namespace {

/// A directory under /tmp made with mkdtemp and removed with everything in it.
class TempDir {
public:
  TempDir() {
    std::string pattern = "/tmp/aic_tar_test_XXXXXX";
    char* made = ::mkdtemp(pattern.data());
    if (made == nullptr) {
      ADD_FAILURE() << "mkdtemp failed";
    }
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

private:
  std::string path_;
};

void write_file(const std::string& path, const std::string& content, mode_t mode = 0644) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  ASSERT_TRUE(out) << path;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void make_dir(const std::string& path, mode_t mode = 0755) {
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0) << path;
  ASSERT_EQ(::chmod(path.c_str(), mode), 0) << path;
}

void make_symlink(const std::string& target, const std::string& path) {
  ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string link_target(const std::string& path) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  EXPECT_GE(n, 0) << path;
  buf.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return buf;
}

/// Deterministic, incompressible-looking bytes.
std::string pattern_bytes(std::size_t size) {
  std::string out(size, '\0');
  std::uint32_t x = 2463534242U;
  for (char& c : out) {
    x ^= x << 13U;
    x ^= x >> 17U;
    x ^= x << 5U;
    c = static_cast<char>(x & 0xffU);
  }
  return out;
}

/// Runs a shell command, returning its exit status and combined output.
int run(const std::string& command, std::string* output = nullptr) {
  TempDir tmp;
  std::string out_path = tmp / "out";
  int rc = std::system((command + " >" + out_path + " 2>&1").c_str());
  if (output != nullptr) {
    *output = read_file(out_path);
  }
  return rc;
}

/// Collects the archive and how the writer called the sink.
struct StringSink {
  std::string bytes;
  std::size_t calls = 0;
  std::size_t max_chunk = 0;

  TarSink sink() {
    return [this](std::string_view chunk) -> Result<void> {
      ++calls;
      max_chunk = std::max(max_chunk, chunk.size());
      bytes.append(chunk);
      return {};
    };
  }
};

/// Lists the archive with `tar -tvf`; fails the test when tar rejects it.
std::string tar_list(const std::string& archive, const std::string& flags = "-tvf") {
  TempDir tmp;
  write_file(tmp / "a.tar", archive);
  std::string output;
  EXPECT_EQ(run("tar " + flags + " " + (tmp / "a.tar"), &output), 0) << output;
  return output;
}

/// Names in the archive, in archive order, as `tar -tf` prints them.
std::vector<std::string> tar_names(const std::string& archive) {
  std::istringstream in(tar_list(archive, "-tf"));
  std::vector<std::string> names;
  for (std::string line; std::getline(in, line);) {
    names.push_back(line);
  }
  return names;
}

/// Extracts with `tar -xpf` (modes kept) into `dest`; fails the test when tar complains.
void tar_extract(const std::string& archive, const std::string& dest) {
  TempDir tmp;
  write_file(tmp / "a.tar", archive);
  std::string output;
  EXPECT_EQ(run("tar -xpf " + (tmp / "a.tar") + " -C " + dest, &output), 0) << output;
  EXPECT_EQ(output, "");
}

std::string field(const std::string& archive, std::size_t block_offset, std::size_t offset,
                  std::size_t width) {
  std::string f = archive.substr(block_offset + offset, width);
  return f.substr(0, f.find('\0'));
}

/// A build context with everything add_tree must handle.
void make_sample_tree(const std::string& root) {
  write_file(root + "/Dockerfile", "FROM scratch\nCOPY . /app\n");
  write_file(root + "/empty", "", 0600);
  write_file(root + "/run.sh", "#!/bin/sh\necho hi\n", 0755);
  write_file(root + "/big.bin", pattern_bytes(200 * 1024 + 7));
  make_dir(root + "/src", 0750);
  write_file(root + "/src/main.c", "int main(void) { return 0; }\n", 0640);
  std::string deep = root + "/src/" + std::string(70, 'd');
  make_dir(deep);
  write_file(deep + "/" + std::string(60, 'f') + ".txt", "deep\n");
  make_symlink("Dockerfile", root + "/link_to_file");
  make_symlink("src", root + "/link_to_dir");
  make_symlink("does/not/exist", root + "/dangling");
}

const std::string kDeepDir = "src/" + std::string(70, 'd');
const std::string kDeepFile = kDeepDir + "/" + std::string(60, 'f') + ".txt";

TEST(TarWriter, WritesFilesAndDirectoriesThatTarExtractsWithModes) {
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_directory({"app", 0750, 0, 0, 1700000000}));
  ASSERT_TRUE(writer.add_file({"app/run.sh", 0755, 0, 0, 1700000000}, "#!/bin/sh\necho hi\n"));
  ASSERT_TRUE(writer.add_file({"app/secret", 0600, 0, 0, 1700000000}, "s3cret"));
  ASSERT_TRUE(writer.finish());

  std::string listing = tar_list(out.bytes);
  EXPECT_NE(listing.find("drwxr-x---"), std::string::npos) << listing;
  EXPECT_NE(listing.find("-rwxr-xr-x"), std::string::npos) << listing;
  EXPECT_EQ(tar_names(out.bytes), (std::vector<std::string>{"app/", "app/run.sh", "app/secret"}));

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_EQ(read_file(dest / "app/run.sh"), "#!/bin/sh\necho hi\n");
  EXPECT_EQ(read_file(dest / "app/secret"), "s3cret");
  EXPECT_EQ(mode_of(dest / "app"), 0750U);
  EXPECT_EQ(mode_of(dest / "app/run.sh"), 0755U);
  EXPECT_EQ(mode_of(dest / "app/secret"), 0600U);
  struct stat st {};
  ASSERT_EQ(::stat((dest / "app/secret").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtime, 1700000000);
}

TEST(TarWriter, WritesWholeBlocksWithValidChecksumsAndTwoZeroBlocksAtTheEnd) {
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_file({"hello.txt"}, "hello\n"));
  ASSERT_TRUE(writer.finish());

  ASSERT_EQ(out.bytes.size(), 512U + 512U + 1024U);
  EXPECT_EQ(writer.bytes_written(), out.bytes.size());
  EXPECT_EQ(out.bytes.substr(2048 - 1024), std::string(1024, '\0'));
  EXPECT_EQ(field(out.bytes, 0, 257, 6), "ustar");
  EXPECT_EQ(out.bytes.substr(263, 2), "00");
  EXPECT_EQ(out.bytes[156], '0');
  EXPECT_EQ(field(out.bytes, 0, 124, 12), "00000000006");

  std::string header = out.bytes.substr(0, 512);
  unsigned long stored = std::stoul(header.substr(148, 6), nullptr, 8);
  std::fill(header.begin() + 148, header.begin() + 156, ' ');
  unsigned long sum = 0;
  for (char c : header) {
    sum += static_cast<unsigned char>(c);
  }
  EXPECT_EQ(stored, sum);
  EXPECT_EQ(out.bytes.substr(512, 6), "hello\n");
}

TEST(TarWriter, EmptyFileTakesOnlyItsHeader) {
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_file({"empty", 0600}, ""));
  ASSERT_TRUE(writer.finish());
  EXPECT_EQ(out.bytes.size(), 512U + 1024U);

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_TRUE(std::filesystem::is_regular_file(dest / "empty"));
  EXPECT_EQ(std::filesystem::file_size(dest / "empty"), 0U);
  EXPECT_EQ(mode_of(dest / "empty"), 0600U);
}

TEST(TarWriter, NamesUpToOneHundredBytesNeedNoPaxHeader) {
  StringSink out;
  TarWriter writer(out.sink());
  std::string name = std::string(49, 'a') + "/" + std::string(50, 'b');
  ASSERT_EQ(name.size(), 100U);
  ASSERT_TRUE(writer.add_file({name}, "x"));
  ASSERT_TRUE(writer.finish());
  EXPECT_EQ(out.bytes[156], '0');
  EXPECT_EQ(tar_names(out.bytes), std::vector<std::string>{name});
}

TEST(TarWriter, LongNamesUsePaxPathRecords) {
  StringSink out;
  TarWriter writer(out.sink());
  std::string dir = std::string(80, 'a') + "/" + std::string(80, 'b');
  std::string file = dir + "/" + std::string(90, 'c') + ".txt";
  ASSERT_TRUE(writer.add_directory({dir, 0755}));
  ASSERT_TRUE(writer.add_file({file, 0640}, "long name content"));
  ASSERT_TRUE(writer.finish());

  EXPECT_EQ(out.bytes[156], 'x');
  EXPECT_NE(out.bytes.find(" path=" + dir + "/\n"), std::string::npos);
  EXPECT_NE(out.bytes.find(" path=" + file + "\n"), std::string::npos);
  EXPECT_EQ(tar_names(out.bytes), (std::vector<std::string>{dir + "/", file}));

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_EQ(read_file(dest / file), "long name content");
  EXPECT_EQ(mode_of(dest / file), 0640U);
}

TEST(TarWriter, PaxRecordLengthsCountTheirOwnDigits) {
  // Around 993 bytes the record's length field grows from three digits to four.
  for (std::size_t len : {101, 150, 255, 990, 991, 992, 993, 994, 995, 1000, 4000}) {
    StringSink out;
    TarWriter writer(out.sink());
    std::string name(len, 'n');
    ASSERT_TRUE(writer.add_file({name}, ""));
    ASSERT_TRUE(writer.finish());
    EXPECT_EQ(tar_names(out.bytes), std::vector<std::string>{name}) << len;
  }
}

TEST(TarWriter, SymlinksAreStoredWithTheirTargets) {
  StringSink out;
  TarWriter writer(out.sink());
  std::string long_target = "../" + std::string(150, 't') + "/target";
  ASSERT_TRUE(writer.add_file({"real"}, "data"));
  ASSERT_TRUE(writer.add_symlink({"short", 0777}, "real"));
  ASSERT_TRUE(writer.add_symlink({"long", 0777}, long_target));
  ASSERT_TRUE(writer.finish());

  EXPECT_NE(out.bytes.find(" linkpath=" + long_target + "\n"), std::string::npos);
  std::string listing = tar_list(out.bytes);
  EXPECT_NE(listing.find("short -> real"), std::string::npos) << listing;
  EXPECT_NE(listing.find("long -> " + long_target), std::string::npos) << listing;

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_EQ(link_target(dest / "short"), "real");
  EXPECT_EQ(link_target(dest / "long"), long_target);
  EXPECT_EQ(read_file(dest / "short"), "data");
}

TEST(TarWriter, LargeIdsAndNegativeMtimesUsePaxRecords) {
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_file({"old", 0644, 3000000, 4000000, -86400}, "x"));
  ASSERT_TRUE(writer.finish());

  EXPECT_NE(out.bytes.find(" uid=3000000\n"), std::string::npos);
  EXPECT_NE(out.bytes.find(" gid=4000000\n"), std::string::npos);
  EXPECT_NE(out.bytes.find(" mtime=-86400\n"), std::string::npos);
  std::string listing = tar_list(out.bytes, "--numeric-owner --utc -tvf");
  EXPECT_NE(listing.find("3000000/4000000"), std::string::npos) << listing;
  EXPECT_NE(listing.find("1969-12-31"), std::string::npos) << listing;
}

TEST(TarWriter, StreamsLargeFilesFromDiskInBoundedChunks) {
  TempDir src;
  std::string content = pattern_bytes(5 * 1024 * 1024 + 123);
  write_file(src / "big.bin", content, 0640);

  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_file_from_disk({"big.bin", 0640}, src / "big.bin"));
  ASSERT_TRUE(writer.finish());

  EXPECT_LE(out.max_chunk, kTarChunkSize + 512);
  EXPECT_GE(out.calls, content.size() / kTarChunkSize);
  EXPECT_EQ(out.bytes.size() % 512, 0U);
  EXPECT_EQ(writer.bytes_written(), out.bytes.size());

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_TRUE(read_file(dest / "big.bin") == content);
  EXPECT_EQ(mode_of(dest / "big.bin"), 0640U);
}

TEST(TarWriter, LargeInMemoryContentIsAlsoHandedOverInBoundedChunks) {
  std::string content = pattern_bytes(300 * 1024);
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.add_file({"blob"}, content));
  ASSERT_TRUE(writer.finish());
  EXPECT_LE(out.max_chunk, kTarChunkSize + 512);

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  EXPECT_TRUE(read_file(dest / "blob") == content);
}

TEST(TarWriter, SizesFromEightGibUsePaxSizeRecord) {
  TempDir src;
  std::string path = src / "sparse";
  write_file(path, "");
  constexpr std::uint64_t kSize = 8ULL * 1024 * 1024 * 1024; // one past the ustar maximum
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(kSize)), 0);

  // Keep the headers, then stop the stream instead of reading 8 GiB.
  std::string captured;
  TarWriter writer([&](std::string_view chunk) -> Result<void> {
    if (captured.size() >= 3 * 512) {
      return unexpected(Error(ErrorCode::EngineUnavailable, "enough"));
    }
    captured.append(chunk);
    return {};
  });
  auto added = writer.add_file_from_disk({"sparse"}, path);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().message(), "enough");

  ASSERT_GE(captured.size(), 3U * 512U);
  EXPECT_EQ(captured[156], 'x');
  EXPECT_NE(captured.substr(512, 512).find(" size=8589934592\n"), std::string::npos);
  EXPECT_EQ(captured[1024 + 156], '0');
  EXPECT_EQ(field(captured, 1024, 0, 100), "sparse");
  EXPECT_EQ(field(captured, 1024, 124, 12), "00000000000");
}

TEST(TarWriter, MissingFileFailsNamingThePathAndWritesNothing) {
  StringSink out;
  TarWriter writer(out.sink());
  auto added = writer.add_file_from_disk({"x"}, "/tmp/aic-no-such-dir/missing.txt");
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::NotFound);
  EXPECT_NE(added.error().describe().find("/tmp/aic-no-such-dir/missing.txt"), std::string::npos);
  EXPECT_EQ(out.calls, 0U);

  // Nothing was written, so the archive can go on.
  ASSERT_TRUE(writer.add_file({"y"}, "y"));
  ASSERT_TRUE(writer.finish());
  EXPECT_EQ(tar_names(out.bytes), std::vector<std::string>{"y"});
}

TEST(TarWriter, DirectoryIsNotAcceptedAsAFileFromDisk) {
  TempDir src;
  StringSink out;
  TarWriter writer(out.sink());
  auto added = writer.add_file_from_disk({"x"}, src.path());
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::InvalidSpec);
  EXPECT_NE(added.error().describe().find(src.path()), std::string::npos);
  EXPECT_EQ(out.calls, 0U);
}

TEST(TarWriter, RejectsUnsafeOrMalformedNames) {
  StringSink out;
  TarWriter writer(out.sink());
  for (std::string name :
       {std::string(""), std::string("/etc/passwd"), std::string(".."), std::string("a/../../b"),
        std::string("nul\0byte", 8), std::string("dir/")}) {
    auto added = writer.add_file({name}, "x");
    ASSERT_FALSE(added) << name;
    EXPECT_EQ(added.error().code(), ErrorCode::InvalidSpec) << name;
  }
  EXPECT_FALSE(writer.add_directory({"/abs"}));
  EXPECT_FALSE(writer.add_symlink({"../escape"}, "x"));
  EXPECT_FALSE(writer.add_symlink({"empty_target"}, ""));
  EXPECT_EQ(out.calls, 0U);
  EXPECT_TRUE(writer.finish());
}

TEST(TarWriter, CallsAfterFinishAreInternalErrors) {
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(writer.finish());
  std::size_t calls = out.calls;
  EXPECT_EQ(writer.add_file({"a"}, "a").error().code(), ErrorCode::Internal);
  EXPECT_EQ(writer.add_directory({"d"}).error().code(), ErrorCode::Internal);
  EXPECT_EQ(writer.add_symlink({"l"}, "a").error().code(), ErrorCode::Internal);
  EXPECT_EQ(writer.add_file_from_disk({"f"}, "/etc/hostname").error().code(), ErrorCode::Internal);
  EXPECT_EQ(writer.finish().error().code(), ErrorCode::Internal);
  EXPECT_EQ(out.calls, calls);
}

/// Archives the sample tree (plus a long symlink target and an in-memory secret) into `sink`.
Result<void> write_sample_archive(TarWriter& writer, const std::string& root) {
  if (auto ok = add_tree(writer, root, nullptr); !ok) {
    return ok;
  }
  if (auto ok = writer.add_symlink({"far", 0777}, std::string(120, 'l')); !ok) {
    return ok;
  }
  if (auto ok = writer.add_file({"run/secrets/token", 0400}, "hunter2"); !ok) {
    return ok;
  }
  return writer.finish();
}

TEST(TarWriter, SinkFailingOnEveryCallNumberStopsTheWriterCleanly) {
  TempDir src;
  make_sample_tree(src.path());

  StringSink full;
  TarWriter reference(full.sink());
  ASSERT_TRUE(write_sample_archive(reference, src.path()));
  ASSERT_GT(full.calls, 10U);

  for (std::size_t fail_at = 1; fail_at <= full.calls; ++fail_at) {
    std::size_t calls = 0;
    std::uint64_t accepted = 0;
    TarWriter writer([&](std::string_view chunk) -> Result<void> {
      ++calls;
      if (calls == fail_at) {
        return unexpected(Error(ErrorCode::EngineUnavailable, "socket closed"));
      }
      accepted += chunk.size();
      return {};
    });
    auto written = write_sample_archive(writer, src.path());
    ASSERT_FALSE(written) << "fail_at=" << fail_at;
    EXPECT_EQ(written.error().code(), ErrorCode::EngineUnavailable) << fail_at;
    EXPECT_EQ(written.error().message(), "socket closed") << fail_at;
    EXPECT_EQ(calls, fail_at);
    EXPECT_EQ(writer.bytes_written(), accepted);

    // The stream is broken: every later call repeats the failure without touching the sink.
    auto again = writer.add_file({"later"}, "x");
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code(), ErrorCode::EngineUnavailable);
    EXPECT_FALSE(writer.finish());
    EXPECT_EQ(calls, fail_at);
  }
}

TEST(AddTree, ArchivesTheTreeSortedWithSymlinksKeptAsLinks) {
  TempDir src;
  make_sample_tree(src.path());

  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(add_tree(writer, src.path(), nullptr));
  ASSERT_TRUE(writer.finish());
  EXPECT_LE(out.max_chunk, kTarChunkSize + 512);

  EXPECT_EQ(tar_names(out.bytes),
            (std::vector<std::string>{"Dockerfile", "big.bin", "dangling", "empty", "link_to_dir",
                                      "link_to_file", "run.sh", "src/", kDeepDir + "/", kDeepFile,
                                      "src/main.c"}));

  TempDir dest;
  tar_extract(out.bytes, dest.path());
  for (const char* file : {"Dockerfile", "empty", "run.sh", "big.bin", "src/main.c"}) {
    EXPECT_TRUE(read_file(dest / file) == read_file(src / file)) << file;
    EXPECT_EQ(mode_of(dest / file), mode_of(src / file)) << file;
  }
  EXPECT_EQ(read_file(dest / kDeepFile), "deep\n");
  EXPECT_EQ(mode_of(dest / "src"), 0750U);
  EXPECT_EQ(mode_of(dest / "run.sh"), 0755U);
  EXPECT_EQ(mode_of(dest / "empty"), 0600U);
  EXPECT_EQ(link_target(dest / "link_to_file"), "Dockerfile");
  EXPECT_EQ(link_target(dest / "link_to_dir"), "src");
  EXPECT_EQ(link_target(dest / "dangling"), "does/not/exist");
  EXPECT_TRUE(std::filesystem::is_symlink(dest / "link_to_dir"));

  struct stat before {};
  struct stat after {};
  ASSERT_EQ(::lstat((src / "src/main.c").c_str(), &before), 0);
  ASSERT_EQ(::lstat((dest / "src/main.c").c_str(), &after), 0);
  EXPECT_EQ(before.st_mtime, after.st_mtime);
}

TEST(AddTree, SameTreeGivesByteIdenticalArchives) {
  TempDir src;
  make_sample_tree(src.path());

  StringSink first;
  StringSink second;
  TarWriter a(first.sink());
  TarWriter b(second.sink());
  ASSERT_TRUE(add_tree(a, src.path(), nullptr));
  ASSERT_TRUE(a.finish());
  ASSERT_TRUE(add_tree(b, src.path(), nullptr));
  ASSERT_TRUE(b.finish());
  EXPECT_TRUE(first.bytes == second.bytes);
  EXPECT_FALSE(first.bytes.empty());
}

TEST(AddTree, SkipLeavesEntriesOutAndSkippedDirectoriesAreNotEntered) {
  TempDir src;
  make_sample_tree(src.path());
  make_dir(src / "node_modules");
  write_file(src / "node_modules/pkg.js", "x");
  write_file(src / "debug.log", "noise");
  write_file(src / "src/trace.log", "noise");

  std::vector<std::pair<std::string, bool>> asked;
  auto skip = [&](std::string_view rel, bool is_dir) {
    asked.emplace_back(std::string(rel), is_dir);
    return rel == "node_modules" || rel.ends_with(".log");
  };
  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(add_tree(writer, src.path(), skip));
  ASSERT_TRUE(writer.finish());

  std::vector<std::string> names = tar_names(out.bytes);
  for (const char* left_out :
       {"node_modules/", "node_modules/pkg.js", "debug.log", "src/trace.log"}) {
    EXPECT_EQ(std::count(names.begin(), names.end(), left_out), 0) << left_out;
  }
  EXPECT_EQ(std::count(names.begin(), names.end(), "src/main.c"), 1);

  for (const auto& [rel, is_dir] : asked) {
    EXPECT_FALSE(rel.starts_with("node_modules/")) << rel;
    EXPECT_FALSE(rel.starts_with("/")) << rel;
  }
  auto find = [&](const std::string& rel) {
    return std::find_if(asked.begin(), asked.end(),
                        [&](const auto& entry) { return entry.first == rel; });
  };
  ASSERT_NE(find("node_modules"), asked.end());
  EXPECT_TRUE(find("node_modules")->second);
  ASSERT_NE(find("src/trace.log"), asked.end());
  EXPECT_FALSE(find("src/trace.log")->second);
  ASSERT_NE(find("link_to_dir"), asked.end());
  EXPECT_FALSE(find("link_to_dir")->second); // symlinks are never followed
}

TEST(AddTree, SocketsFifosAndDevicesAreLeftOut) {
  TempDir src;
  write_file(src / "kept", "k");
  ASSERT_EQ(::mkfifo((src / "pipe").c_str(), 0644), 0);

  StringSink out;
  TarWriter writer(out.sink());
  ASSERT_TRUE(add_tree(writer, src.path(), nullptr));
  ASSERT_TRUE(writer.finish());
  EXPECT_EQ(tar_names(out.bytes), std::vector<std::string>{"kept"});
}

TEST(AddTree, MissingRootIsNotFoundAndNamesIt) {
  StringSink out;
  TarWriter writer(out.sink());
  auto added = add_tree(writer, "/tmp/aic-no-such-context", nullptr);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::NotFound);
  EXPECT_NE(added.error().describe().find("/tmp/aic-no-such-context"), std::string::npos);
  EXPECT_EQ(out.calls, 0U);
}

TEST(AddTree, FileAsRootIsInvalid) {
  TempDir src;
  write_file(src / "file", "x");
  StringSink out;
  TarWriter writer(out.sink());
  auto added = add_tree(writer, src / "file", nullptr);
  ASSERT_FALSE(added);
  EXPECT_EQ(added.error().code(), ErrorCode::InvalidSpec);
}

} // namespace
} // namespace aic::archive
