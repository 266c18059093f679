#include "archive/tar_extractor.hpp"
#include "archive/tar_reader.hpp"
#include "archive/tar_writer.hpp"

#include <cstdlib>
#include <cstring>
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

class TempDir {
public:
  TempDir() {
    std::string pattern = "/tmp/aic_tar_reader_XXXXXX";
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

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::lstat(path.c_str(), &st), 0) << path;
  return st;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string link_target(const std::string& path) {
  std::string buf(4096, '\0');
  ssize_t n = ::readlink(path.c_str(), buf.data(), buf.size());
  buf.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return buf;
}

/// An archive built with TarWriter.
class Archive {
public:
  Archive()
      : writer_([this](std::string_view bytes) -> Result<void> {
          bytes_.append(bytes);
          return {};
        }) {}
  TarWriter& writer() { return writer_; }
  std::string finish() {
    EXPECT_TRUE(writer_.finish());
    return bytes_;
  }

private:
  std::string bytes_;
  TarWriter writer_;
};

/// What a reader delivered, entry by entry.
struct Collected {
  TarEntry entry;
  std::string data;
  bool ended = false;
};

class Collector : public TarEntryHandler {
public:
  Result<void> begin_entry(const TarEntry& entry) override {
    entries.push_back({entry, "", false});
    return {};
  }
  Result<void> entry_data(std::string_view bytes) override {
    entries.back().data.append(bytes);
    return {};
  }
  Result<void> end_entry() override {
    entries.back().ended = true;
    return {};
  }
  std::vector<Collected> entries;
};

/// Reads `bytes` in pieces of `piece` bytes.
Result<std::vector<Collected>> read_all(const std::string& bytes, std::size_t piece) {
  Collector collector;
  TarReader reader(collector);
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    if (Result<void> ok = reader.feed(std::string_view(bytes).substr(at, piece)); !ok) {
      return std::move(ok).error();
    }
  }
  if (Result<void> ok = reader.finish(); !ok) {
    return std::move(ok).error();
  }
  return collector.entries;
}

/// One header block as tar writes it, with a valid checksum.
std::string header_block(const std::string& name, char typeflag, std::size_t size,
                         const std::string& magic = std::string("ustar\0"
                                                                "00",
                                                                8),
                         const std::string& prefix = "") {
  std::string block(512, '\0');
  std::memcpy(block.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  std::snprintf(block.data() + 100, 8, "%07o", 0644);
  std::snprintf(block.data() + 108, 8, "%07o", 0);
  std::snprintf(block.data() + 116, 8, "%07o", 0);
  std::snprintf(block.data() + 124, 12, "%011zo", size);
  std::snprintf(block.data() + 136, 12, "%011o", 1700000000);
  block[156] = typeflag;
  std::memcpy(block.data() + 257, magic.data(), std::min<std::size_t>(magic.size(), 8));
  std::memcpy(block.data() + 345, prefix.data(), std::min<std::size_t>(prefix.size(), 155));
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : block) {
    sum += static_cast<unsigned char>(c);
  }
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  return block;
}

std::string padded(const std::string& data) {
  return data + std::string((512 - data.size() % 512) % 512, '\0');
}

const std::string kEnd(1024, '\0');

/// An archive with every kind of entry TarWriter makes.
std::string sample_archive() {
  Archive a;
  const std::string long_name = "dir/" + std::string(150, 'n') + ".txt";
  EXPECT_TRUE(a.writer().add_directory({"dir", 0750, 0, 0, 1600000000}));
  EXPECT_TRUE(a.writer().add_file({"dir/run.sh", 0754, 1000, 1000, 1600000001}, "#!/bin/sh\n"));
  EXPECT_TRUE(a.writer().add_file({"dir/empty", 0600, 0, 0, 1600000002}, ""));
  EXPECT_TRUE(a.writer().add_file({long_name, 0644, 0, 0, -5}, std::string(1500, 'x')));
  EXPECT_TRUE(
      a.writer().add_symlink({"dir/link", 0777, 0, 0, 1600000003}, "../" + std::string(120, 't')));
  return a.finish();
}

TEST(TarReader, ReadsBackWhatTheWriterWroteWhateverThePieceSize) {
  const std::string bytes = sample_archive();
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{512}, bytes.size()}) {
    Result<std::vector<Collected>> got = read_all(bytes, piece);
    ASSERT_TRUE(got) << piece << ": " << got.error().describe();
    ASSERT_EQ(got->size(), 5U) << piece;
    const auto& e = *got;
    EXPECT_EQ(e[0].entry.name, "dir");
    EXPECT_EQ(e[0].entry.type, TarEntryType::Directory);
    EXPECT_EQ(e[0].entry.mode, 0750U);
    EXPECT_EQ(e[0].entry.mtime, 1600000000);
    EXPECT_EQ(e[1].entry.name, "dir/run.sh");
    EXPECT_EQ(e[1].entry.type, TarEntryType::File);
    EXPECT_EQ(e[1].entry.mode, 0754U);
    EXPECT_EQ(e[1].entry.uid, 1000U);
    EXPECT_EQ(e[1].entry.size, 10U);
    EXPECT_EQ(e[1].data, "#!/bin/sh\n");
    EXPECT_TRUE(e[1].ended);
    EXPECT_EQ(e[2].entry.name, "dir/empty");
    EXPECT_EQ(e[2].data, "");
    EXPECT_TRUE(e[2].ended);
    EXPECT_EQ(e[3].entry.name, "dir/" + std::string(150, 'n') + ".txt"); // pax path
    EXPECT_EQ(e[3].entry.mtime, -5);                                     // pax mtime
    EXPECT_EQ(e[3].data, std::string(1500, 'x'));
    EXPECT_EQ(e[4].entry.type, TarEntryType::Symlink);
    EXPECT_EQ(e[4].entry.link_target, "../" + std::string(120, 't')); // pax linkpath
  }
}

TEST(TarReader, EveryTruncationIsAnError) {
  const std::string bytes = sample_archive();
  // The archive proper ends where its first zero block starts.
  const std::size_t end = bytes.size() - 1024;
  for (std::size_t cut = 0; cut <= end; ++cut) {
    Result<std::vector<Collected>> got = read_all(bytes.substr(0, cut), 4096);
    ASSERT_FALSE(got) << "cut at " << cut;
    EXPECT_EQ(got.error().code(), ErrorCode::InvalidSpec);
    EXPECT_NE(got.error().message().find("truncated"), std::string::npos) << got.error().message();
  }
  EXPECT_TRUE(read_all(bytes.substr(0, end + 512), 4096)); // one zero block ends it
}

TEST(TarReader, ReadsGnuLongNamesAndUstarPrefixes) {
  const std::string long_name = std::string(130, 'g') + "/file";
  const std::string long_link = std::string(140, 'k');
  std::string bytes = header_block("././@LongLink", 'L', long_name.size() + 1) +
                      padded(long_name + '\0') + header_block("ignored", '0', 3) + padded("abc");
  bytes += header_block("././@LongLink", 'K', long_link.size()) + padded(long_link) +
           header_block("sym", '2', 0);
  bytes += header_block("name.txt", '0', 0,
                        std::string("ustar\0"
                                    "00",
                                    8),
                        "some/prefix");
  bytes += header_block("old-dir/", '0', 0, std::string(8, '\0')); // V7 directory
  bytes += kEnd;
  Result<std::vector<Collected>> got = read_all(bytes, 100);
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_EQ(got->size(), 4U);
  EXPECT_EQ((*got)[0].entry.name, long_name);
  EXPECT_EQ((*got)[0].data, "abc");
  EXPECT_EQ((*got)[1].entry.name, "sym");
  EXPECT_EQ((*got)[1].entry.link_target, long_link);
  EXPECT_EQ((*got)[2].entry.name, "some/prefix/name.txt");
  EXPECT_EQ((*got)[3].entry.name, "old-dir");
  EXPECT_EQ((*got)[3].entry.type, TarEntryType::Directory);
}

TEST(TarReader, ReadsWhatGnuTarWritesInBothFormats) {
  TempDir tmp;
  const std::string deep = std::string(120, 'd');
  ASSERT_EQ(::mkdir((tmp / "src").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((tmp / ("src/" + deep)).c_str(), 0755), 0);
  write_file(tmp / ("src/" + deep + "/f.txt"), "hello\n", 0640);
  for (const std::string format : {"gnu", "posix"}) {
    const std::string out = tmp / (format + ".tar");
    const std::string cmd =
        "tar --format=" + format + " -C " + tmp.path() + " -cf " + out + " src 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    Result<std::vector<Collected>> got = read_all(read_file(out), 333);
    ASSERT_TRUE(got) << format << ": " << got.error().describe();
    ASSERT_EQ(got->size(), 3U) << format;
    EXPECT_EQ((*got)[0].entry.name, "src");
    EXPECT_EQ((*got)[1].entry.name, "src/" + deep);
    EXPECT_EQ((*got)[2].entry.name, "src/" + deep + "/f.txt");
    EXPECT_EQ((*got)[2].entry.mode, 0640U);
    EXPECT_EQ((*got)[2].data, "hello\n");
  }
}

TEST(TarReader, RefusesABadChecksum) {
  std::string bytes = sample_archive();
  bytes[10] ^= 1;
  Result<std::vector<Collected>> got = read_all(bytes, 512);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("checksum"), std::string::npos);
}

TEST(TarReader, RefusesAnOversizedPaxHeader) {
  std::string bytes = header_block("pax", 'x', TarReader::kMaxExtendedHeader + 1);
  Result<std::vector<Collected>> got = read_all(bytes, 512);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("over the limit"), std::string::npos);
}

TEST(TarReader, ReadsBase256Numbers) {
  std::string block = header_block("big", '0', 0);
  // size 5 in GNU base-256: 0x80 then big-endian bytes.
  std::memset(block.data() + 124, 0, 12);
  block[124] = static_cast<char>(0x80);
  block[135] = 5;
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : block) {
    sum += static_cast<unsigned char>(c);
  }
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  Result<std::vector<Collected>> got = read_all(block + padded("12345") + kEnd, 512);
  ASSERT_TRUE(got) << got.error().describe();
  ASSERT_EQ(got->size(), 1U);
  EXPECT_EQ((*got)[0].data, "12345");
}

// ---- extraction ---------------------------------------------------------------------------------

Result<void> extract(const std::string& bytes, const std::string& dest, ExtractOptions options = {},
                     std::vector<std::string>* skipped = nullptr) {
  Result<std::unique_ptr<TarExtractor>> x = TarExtractor::open(dest, std::move(options));
  if (!x) {
    return std::move(x).error();
  }
  for (std::size_t at = 0; at < bytes.size(); at += 1000) {
    if (Result<void> ok = (*x)->feed(std::string_view(bytes).substr(at, 1000)); !ok) {
      return ok;
    }
  }
  Result<void> ok = (*x)->finish();
  if (skipped != nullptr) {
    *skipped = (*x)->skipped();
  }
  return ok;
}

TEST(TarExtractor, ExtractsFilesDirectoriesAndLinksWithModesAndTimes) {
  TempDir tmp;
  std::string bytes = sample_archive();
  ASSERT_TRUE(extract(bytes, tmp.path())) << extract(bytes, tmp.path()).error().describe();
  EXPECT_EQ(read_file(tmp / "dir/run.sh"), "#!/bin/sh\n");
  EXPECT_EQ(lstat_of(tmp / "dir/run.sh").st_mode & 07777, 0754U);
  EXPECT_EQ(lstat_of(tmp / "dir/run.sh").st_mtime, 1600000001);
  EXPECT_EQ(lstat_of(tmp / "dir/empty").st_size, 0);
  EXPECT_EQ(read_file(tmp / ("dir/" + std::string(150, 'n') + ".txt")), std::string(1500, 'x'));
  EXPECT_EQ(link_target(tmp / "dir/link"), "../" + std::string(120, 't'));
  EXPECT_EQ(lstat_of(tmp / "dir").st_mode & 07777, 0750U);
  EXPECT_EQ(lstat_of(tmp / "dir").st_mtime, 1600000000); // set after its contents
}

TEST(TarExtractor, ExtractsATreeArchivedByAddPathUnderANewName) {
  TempDir src;
  TempDir dest;
  ASSERT_EQ(::mkdir((src / "data").c_str(), 0711), 0);
  write_file(src / "data/a.txt", "A", 0600);
  ASSERT_EQ(::mkdir((src / "data/sub").c_str(), 0755), 0);
  write_file(src / "data/sub/b.txt", "B", 0751);
  ASSERT_EQ(::symlink("sub/b.txt", (src / "data/to-b").c_str()), 0);
  Archive a;
  ASSERT_TRUE(add_path(a.writer(), src / "data", "data"));
  ASSERT_TRUE(extract(a.finish(), dest.path(), {"data", "copy"}));
  EXPECT_EQ(read_file(dest / "copy/a.txt"), "A");
  EXPECT_EQ(read_file(dest / "copy/sub/b.txt"), "B");
  EXPECT_EQ(lstat_of(dest / "copy/sub/b.txt").st_mode & 07777, 0751U);
  EXPECT_EQ(link_target(dest / "copy/to-b"), "sub/b.txt");
  EXPECT_EQ(lstat_of(dest / "copy").st_mode & 07777, 0711U);
  EXPECT_FALSE(exists(dest / "data"));
}

TEST(TarExtractor, AddPathWithAnEmptyNameArchivesTheContentsOnly) {
  TempDir src;
  TempDir dest;
  write_file(src / "x", "X");
  Archive a;
  ASSERT_TRUE(add_path(a.writer(), src.path(), ""));
  ASSERT_TRUE(extract(a.finish(), dest.path()));
  EXPECT_EQ(read_file(dest / "x"), "X");
}

TEST(TarExtractor, RebasingDotPutsEverythingUnderTheNewName) {
  TempDir dest;
  std::string bytes = header_block("./", '5', 0) + header_block("./f", '0', 1) + padded("F") + kEnd;
  ASSERT_TRUE(extract(bytes, dest.path(), {".", "named"}));
  EXPECT_EQ(read_file(dest / "named/f"), "F");
}

TEST(TarExtractor, RefusesEntriesThatLeaveTheDestination) {
  for (const std::string name : {"../escape", "a/../../escape", "/etc/escape", "a/../b/../../x"}) {
    TempDir parent;
    const std::string dest = parent / "dest";
    ASSERT_EQ(::mkdir(dest.c_str(), 0755), 0);
    std::string bytes = header_block(name, '0', 1) + padded("E") + kEnd;
    Result<void> ok = extract(bytes, dest);
    ASSERT_FALSE(ok) << name;
    EXPECT_EQ(ok.error().code(), ErrorCode::InvalidSpec) << name;
    EXPECT_FALSE(exists(parent / "escape")) << name;
    EXPECT_FALSE(exists("/etc/escape"));
  }
}

TEST(TarExtractor, RefusesRelativeSymlinksThatPointOutside) {
  TempDir dest;
  std::string block = header_block("a/link", '2', 0);
  std::memcpy(block.data() + 157, "../../etc", 9);
  // Recompute the checksum after editing the link name.
  std::memset(block.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : block) {
    sum += static_cast<unsigned char>(c);
  }
  std::snprintf(block.data() + 148, 8, "%06o", sum);
  block[155] = ' ';
  Result<void> ok = extract(block + kEnd, dest.path());
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message().find("leaves the destination"), std::string::npos);
}

TEST(TarExtractor, NeverWritesThroughASymlinkTheArchivePlanted) {
  TempDir parent;
  const std::string dest = parent / "dest";
  const std::string outside = parent / "outside";
  ASSERT_EQ(::mkdir(dest.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir(outside.c_str(), 0755), 0);
  Archive a;
  ASSERT_TRUE(a.writer().add_symlink({"link", 0777, 0, 0, 0}, outside));
  ASSERT_TRUE(a.writer().add_file({"link/planted", 0644, 0, 0, 0}, "pwned"));
  Result<void> ok = extract(a.finish(), dest);
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message().find("is a symlink or not a directory"), std::string::npos)
      << ok.error().message();
  EXPECT_FALSE(exists(outside + "/planted"));
}

TEST(TarExtractor, ReplacesFilesButNeverADirectoryWithAFile) {
  TempDir dest;
  write_file(dest / "f", "old");
  ASSERT_EQ(::mkdir((dest / "d").c_str(), 0755), 0);
  Archive a;
  ASSERT_TRUE(a.writer().add_file({"f", 0644, 0, 0, 0}, "new"));
  ASSERT_TRUE(extract(a.finish(), dest.path()));
  EXPECT_EQ(read_file(dest / "f"), "new");

  Archive b;
  ASSERT_TRUE(b.writer().add_file({"d", 0644, 0, 0, 0}, "file"));
  Result<void> ok = extract(b.finish(), dest.path());
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message().find("cannot overwrite directory"), std::string::npos);
  EXPECT_TRUE(S_ISDIR(lstat_of(dest / "d").st_mode));
}

TEST(TarExtractor, TruncatedInputIsAnErrorAfterExtractingWhatCame) {
  TempDir dest;
  std::string bytes = sample_archive();
  Result<void> ok = extract(bytes.substr(0, 512 * 3 + 100), dest.path());
  ASSERT_FALSE(ok);
  EXPECT_NE(ok.error().message().find("truncated"), std::string::npos);
}

TEST(TarExtractor, LinksHardLinksAndSkipsDevices) {
  TempDir dest;
  std::string link = header_block("hard", '1', 0);
  std::memcpy(link.data() + 157, "orig", 4);
  std::memset(link.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (char c : link) {
    sum += static_cast<unsigned char>(c);
  }
  std::snprintf(link.data() + 148, 8, "%06o", sum);
  link[155] = ' ';
  std::string bytes =
      header_block("orig", '0', 2) + padded("hi") + link + header_block("null", '3', 0) + kEnd;
  std::vector<std::string> skipped;
  ASSERT_TRUE(extract(bytes, dest.path(), {}, &skipped));
  EXPECT_EQ(read_file(dest / "hard"), "hi");
  EXPECT_EQ(lstat_of(dest / "hard").st_ino, lstat_of(dest / "orig").st_ino);
  EXPECT_EQ(skipped, std::vector<std::string>{"null"});
  EXPECT_FALSE(exists(dest / "null"));
}

} // namespace
} // namespace aic::archive
