#include "engine/multiplex.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <vector>

namespace aic::engine {

// Found by GoogleTest through argument-dependent lookup, so outside the anonymous namespace.
void PrintTo(const OutputChunk& c, std::ostream* os) {
  *os << static_cast<int>(c.stream) << ":\"" << c.data << "\"";
}

namespace {

std::string header(unsigned char type, unsigned char p1, unsigned char p2, unsigned char p3,
                   std::uint32_t size) {
  std::string h;
  h += static_cast<char>(type);
  h += static_cast<char>(p1);
  h += static_cast<char>(p2);
  h += static_cast<char>(p3);
  h += static_cast<char>(size >> 24);
  h += static_cast<char>((size >> 16) & 0xFF);
  h += static_cast<char>((size >> 8) & 0xFF);
  h += static_cast<char>(size & 0xFF);
  return h;
}

// What a reader sees once chunk boundaries are forgotten: adjacent chunks of one stream merged.
std::vector<OutputChunk> merged(const std::vector<OutputChunk>& chunks) {
  std::vector<OutputChunk> out;
  for (const auto& c : chunks) {
    if (!out.empty() && out.back().stream == c.stream) {
      out.back().data += c.data;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

struct Row {
  const char* name;
  std::string stream;
  std::vector<OutputChunk> chunks; // when fed in one call
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    {"EmptyStreamHasNoChunks", "", {}},
    {"OneStdoutFrame",
     encode_frame(StreamKind::Stdout, "hello\n"),
     {{StreamKind::Stdout, "hello\n"}}},
    {"StderrFrame", encode_frame(StreamKind::Stderr, "oops"), {{StreamKind::Stderr, "oops"}}},
    {"StdinFrame", encode_frame(StreamKind::Stdin, "in"), {{StreamKind::Stdin, "in"}}},
    {"SystemErrorFrame",
     encode_frame(StreamKind::System, "exec failed"),
     {{StreamKind::System, "exec failed"}}},
    {"ZeroSizeFrameHasNoChunk", encode_frame(StreamKind::Stdout, ""), {}},
    {"FramesOfOneStreamAreNotMerged",
     encode_frame(StreamKind::Stdout, "a") + encode_frame(StreamKind::Stdout, "b"),
     {{StreamKind::Stdout, "a"}, {StreamKind::Stdout, "b"}}},
    {"InterleavedStreamsKeepTheirOrder",
     encode_frame(StreamKind::Stdout, "1") + encode_frame(StreamKind::Stderr, "2") +
         encode_frame(StreamKind::Stdout, "3"),
     {{StreamKind::Stdout, "1"}, {StreamKind::Stderr, "2"}, {StreamKind::Stdout, "3"}}},
    {"ZeroSizeFrameBetweenOthers",
     encode_frame(StreamKind::Stdout, "a") + encode_frame(StreamKind::Stderr, "") +
         encode_frame(StreamKind::Stdout, "b"),
     {{StreamKind::Stdout, "a"}, {StreamKind::Stdout, "b"}}},
    {"BinaryPayloadIsKept",
     encode_frame(StreamKind::Stdout, std::string("\0\1\xFF", 3)),
     {{StreamKind::Stdout, std::string("\0\1\xFF", 3)}}},
    {"PayloadThatLooksLikeAHeader",
     encode_frame(StreamKind::Stdout, header(9, 9, 9, 9, 100)),
     {{StreamKind::Stdout, header(9, 9, 9, 9, 100)}}},
    {"LargeSizeUsesAllFourBytes",
     encode_frame(StreamKind::Stderr, std::string(70000, 'x')),
     {{StreamKind::Stderr, std::string(70000, 'x')}}},
};

class FrameDemuxerTable : public ::testing::TestWithParam<Row> {};

TEST_P(FrameDemuxerTable, SplitsTheStreamFedInOneCall) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed(GetParam().stream, out));
  EXPECT_EQ(out, GetParam().chunks);
  EXPECT_FALSE(demuxer.mid_frame());
}

TEST_P(FrameDemuxerTable, GivesTheSameOutputWhereverTheStreamIsCut) {
  const std::string& stream = GetParam().stream;
  for (std::size_t cut = 0; cut <= stream.size(); cut += (stream.size() > 100 ? 997 : 1)) {
    FrameDemuxer demuxer;
    std::vector<OutputChunk> out;
    ASSERT_TRUE(demuxer.feed(std::string_view(stream).substr(0, cut), out));
    ASSERT_TRUE(demuxer.feed(std::string_view(stream).substr(cut), out));
    EXPECT_EQ(merged(out), merged(GetParam().chunks)) << "cut at " << cut;
    EXPECT_FALSE(demuxer.mid_frame());
  }
}

TEST_P(FrameDemuxerTable, GivesTheSameOutputFedOneByteAtATime) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  for (const char c : GetParam().stream) {
    ASSERT_TRUE(demuxer.feed(std::string_view(&c, 1), out));
  }
  EXPECT_EQ(merged(out), merged(GetParam().chunks));
  EXPECT_FALSE(demuxer.mid_frame());
}

INSTANTIATE_TEST_SUITE_P(Table, FrameDemuxerTable, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  std::string stream;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"StreamTypeFour", header(4, 0, 0, 0, 1) + "x",
     "malformed multiplexed stream: unknown stream type 4"},
    {"StreamTypeFF", header(0xFF, 0, 0, 0, 0),
     "malformed multiplexed stream: unknown stream type 255"},
    {"PlainTextInsteadOfFrames", "hello world\n",
     "malformed multiplexed stream: unknown stream type 104"},
    {"FirstPaddingByte", header(1, 1, 0, 0, 0),
     "malformed multiplexed stream: non-zero padding in a frame header"},
    {"SecondPaddingByte", header(1, 0, 1, 0, 0),
     "malformed multiplexed stream: non-zero padding in a frame header"},
    {"ThirdPaddingByte", header(2, 0, 0, 0x80, 0),
     "malformed multiplexed stream: non-zero padding in a frame header"},
    {"BadSecondHeader", encode_frame(StreamKind::Stdout, "ok") + header(7, 0, 0, 0, 0),
     "malformed multiplexed stream: unknown stream type 7"},
};

class FrameDemuxerErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(FrameDemuxerErrors, RejectAMalformedHeader) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  const auto fed = demuxer.feed(GetParam().stream, out);
  ASSERT_FALSE(fed);
  EXPECT_EQ(fed.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(fed.error().message(), GetParam().message);
}

TEST_P(FrameDemuxerErrors, RejectAMalformedHeaderFedOneByteAtATime) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  bool failed = false;
  for (const char c : GetParam().stream) {
    const auto fed = demuxer.feed(std::string_view(&c, 1), out);
    if (!fed) {
      EXPECT_EQ(fed.error().message(), GetParam().message);
      failed = true;
      break;
    }
  }
  EXPECT_TRUE(failed);
}

INSTANTIATE_TEST_SUITE_P(Table, FrameDemuxerErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(FrameDemuxer, SplitsAFrameDeliveredOneByteAtATime) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  const std::string frame = encode_frame(StreamKind::Stderr, "abc");
  for (std::size_t i = 0; i < frame.size(); ++i) {
    ASSERT_TRUE(demuxer.feed(frame.substr(i, 1), out));
    EXPECT_EQ(demuxer.mid_frame(), i + 1 < frame.size()) << i;
  }
  EXPECT_EQ(out,
            (std::vector<OutputChunk>{
                {StreamKind::Stderr, "a"}, {StreamKind::Stderr, "b"}, {StreamKind::Stderr, "c"}}));
}

TEST(FrameDemuxer, StreamsAHugeFrameWithoutWaitingForItsEnd) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed(header(1, 0, 0, 0, 1u << 30), out));
  EXPECT_TRUE(out.empty());
  const std::string piece(1 << 20, 'x');
  for (int i = 0; i < 4; ++i) {
    out.clear();
    ASSERT_TRUE(demuxer.feed(piece, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].data.size(), piece.size());
    EXPECT_TRUE(demuxer.mid_frame());
  }
}

TEST(FrameDemuxer, MaximumFrameSizeIsReadAsUnsigned) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed(header(1, 0, 0, 0, 0xFFFFFFFFu) + "abc", out));
  EXPECT_EQ(out, (std::vector<OutputChunk>{{StreamKind::Stdout, "abc"}}));
  EXPECT_TRUE(demuxer.mid_frame());
}

TEST(FrameDemuxer, ReportsATruncatedHeader) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed(encode_frame(StreamKind::Stdout, "ok").substr(0, 5), out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(demuxer.mid_frame());
}

TEST(FrameDemuxer, ReportsATruncatedPayload) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed(encode_frame(StreamKind::Stdout, "hello").substr(0, 10), out));
  EXPECT_EQ(out, (std::vector<OutputChunk>{{StreamKind::Stdout, "he"}}));
  EXPECT_TRUE(demuxer.mid_frame());
}

TEST(FrameDemuxer, KeepsChunksDecodedBeforeABadHeader) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  const auto fed =
      demuxer.feed(encode_frame(StreamKind::Stdout, "good") + header(5, 0, 0, 0, 0), out);
  ASSERT_FALSE(fed);
  EXPECT_EQ(out, (std::vector<OutputChunk>{{StreamKind::Stdout, "good"}}));
}

TEST(FrameDemuxer, StaysFailedAfterAnError) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_FALSE(demuxer.feed(header(9, 0, 0, 0, 0), out));
  const auto again = demuxer.feed(encode_frame(StreamKind::Stdout, "x"), out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), "malformed multiplexed stream: unknown stream type 9");
  EXPECT_TRUE(out.empty());
}

TEST(FrameDemuxer, EmptyFeedChangesNothing) {
  FrameDemuxer demuxer;
  std::vector<OutputChunk> out;
  ASSERT_TRUE(demuxer.feed("", out));
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(demuxer.mid_frame());
}

TEST(EncodeFrame, WritesTypePaddingAndBigEndianSize) {
  EXPECT_EQ(encode_frame(StreamKind::Stderr, std::string(0x010203, 'x')).substr(0, 8),
            header(2, 0, 0, 0, 0x010203));
  EXPECT_EQ(encode_frame(StreamKind::Stdout, "hi"), header(1, 0, 0, 0, 2) + "hi");
  EXPECT_EQ(encode_frame(StreamKind::System, ""), header(3, 0, 0, 0, 0));
}

} // namespace
} // namespace aic::engine
