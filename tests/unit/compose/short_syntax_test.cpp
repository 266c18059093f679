#include "compose/short_syntax.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>
#include <vector>

// Expected values were checked against compose-go v2.11 (format.ParseVolume, ParsePortConfig)
// with docker/go-connections v0.7 (nat.ParsePortSpec), the versions docker compose v5 builds with.

namespace aic::compose {

static void PrintTo(const PortSpec& port, std::ostream* os) {
  *os << "{host_ip=" << port.host_ip << " target=" << port.target << " published=" << port.published
      << " protocol=" << port.protocol << " mode=" << port.mode << "}";
}

namespace {

/// Names each parameterised case after its row.
template <typename Row>
std::string row_name(const ::testing::TestParamInfo<Row>& param) {
  return param.param.name;
}

// ---- ports ------------------------------------------------------------------------------------

PortSpec port(int target, std::string published = "", std::string protocol = "tcp",
              std::string host_ip = "") {
  PortSpec p;
  p.host_ip = std::move(host_ip);
  p.target = target;
  p.published = std::move(published);
  p.protocol = std::move(protocol);
  return p;
}

struct PortRow {
  const char* name;
  std::string spec;
  std::vector<PortSpec> expected; ///< when `error` is empty
  std::string error = {};         ///< the whole expected message
};

void PrintTo(const PortRow& row, std::ostream* os) {
  *os << row.name << ": " << row.spec;
}

class ParsePortTable : public ::testing::TestWithParam<PortRow> {};

TEST_P(ParsePortTable, YieldsTheLongFormOrTheError) {
  const PortRow& row = GetParam();
  const Result<std::vector<PortSpec>> parsed = parse_port(row.spec);
  if (row.error.empty()) {
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(*parsed, row.expected);
  } else {
    ASSERT_FALSE(parsed.has_value()) << "parsed " << parsed->size() << " mappings";
    EXPECT_EQ(parsed.error().code(), ErrorCode::InvalidSpec);
    EXPECT_EQ(parsed.error().message(), row.error);
  }
}

const PortRow kPortRows[] = {
    {"ContainerPortOnly", "3000", {port(3000)}},
    {"ZeroIsAPort", "0", {port(0)}},
    {"HostAndContainer", "8080:80", {port(80, "8080")}},
    {"HostIpv4", "127.0.0.1:8001:8001", {port(8001, "8001", "tcp", "127.0.0.1")}},
    {"HostIpWithoutHostPort", "127.0.0.1::80", {port(80, "", "tcp", "127.0.0.1")}},
    {"EmptyHostPart", ":80", {port(80)}},
    {"BracketedIpv6", "[::1]:6001:6001", {port(6001, "6001", "tcp", "::1")}},
    {"UnbracketedIpv6", "::1:6000:6000", {port(6000, "6000", "tcp", "::1")}},
    {"Ipv4MappedIpv6", "::ffff:1.2.3.4:80:80", {port(80, "80", "tcp", "::ffff:1.2.3.4")}},
    {"BracketedIpv4", "[127.0.0.1]:80:80", {port(80, "80", "tcp", "127.0.0.1")}},
    {"Udp", "6060:6060/udp", {port(6060, "6060", "udp")}},
    {"ProtocolIsLowerCased", "53:53/UDP", {port(53, "53", "udp")}},
    {"Sctp", "80/sctp", {port(80, "", "sctp")}},
    {"EmptyProtocolMeansTcp", "80/", {port(80)}},
    {"ContainerRangeExpands", "3000-3002", {port(3000), port(3001), port(3002)}},
    {"EqualRangesPairOneToOne", "9090-9091:8080-8081", {port(8080, "9090"), port(8081, "9091")}},
    {"RangesWithIp",
     "127.0.0.1:5000-5001:5000-5001",
     {port(5000, "5000", "tcp", "127.0.0.1"), port(5001, "5001", "tcp", "127.0.0.1")}},
    {"HostRangeForOnePortStaysARange", "8000-9000:80", {port(80, "8000-9000")}},
    {"UdpRange", "1-2:1-2/udp", {port(1, "1", "udp"), port(2, "2", "udp")}},
    {"SortedAsTextLikeComposeGo", "9-11", {port(10), port(11), port(9)}},
    {"DegenerateRangeIsOnePort", "80-80:80", {port(80, "80")}},
    {"LeadingZerosAreNormalised", "08080:0080", {port(80, "8080")}},
    {"PlusSignIsAccepted", "+80", {port(80)}},
    // Errors.
    {"Letters", "abc", {}, "invalid port \"abc\""},
    {"LettersAsContainerPort", "8080:abc", {}, "invalid port \"abc\""},
    {"LeadingSpace", " 80", {}, "invalid port \" 80\""},
    {"OpenRange", "80-", {}, "invalid port \"80-\""},
    {"ThreePartRange", "1-2-3", {}, "invalid port \"1-2-3\""},
    {"UnknownProtocol", "80/sctpx", {}, "invalid protocol \"sctpx\""},
    {"DescendingRange", "9-3", {}, "invalid port range \"9-3\""},
    {"ContainerPortTooLarge", "70000", {}, "port 70000 out of range"},
    {"HostPortTooLarge", "70000:80", {}, "port 70000 out of range"},
    {"HugeNumber", "99999999999999999999", {}, "port 99999999999999999999 out of range"},
    {"RangeLengthsDiffer",
     "8000-8002:80-81",
     {},
     "host and container port ranges differ in length: \"8000-8002:80-81\""},
    {"SingleHostPortForARange",
     "8000:80-81",
     {},
     "host and container port ranges differ in length: \"8000:80-81\""},
    {"ShortIpv4", "1.2.3:80:80", {}, "invalid IP address \"1.2.3\""},
    {"Ipv4LeadingZero", "01.2.3.4:80:80", {}, "invalid IP address \"01.2.3.4\""},
    {"UnclosedBracket", "[::1:80:80", {}, "invalid IP address \"[::1\""},
    {"Ipv6Zone", "fe80::1%eth0:80:80", {}, "invalid IP address \"fe80::1%eth0\""},
    {"Empty", "", {}, "invalid port \"\": no container port"},
    {"TrailingColon", "8080:", {}, "invalid port \"8080:\": no container port"},
    {"ProtocolOnly", "/udp", {}, "invalid port \"/udp\": no container port"},
};

INSTANTIATE_TEST_SUITE_P(Rows, ParsePortTable, ::testing::ValuesIn(kPortRows),
                         row_name<ParsePortTable::ParamType>);

TEST(ParsePort, DefaultsModeToIngress) {
  const Result<std::vector<PortSpec>> parsed = parse_port("80");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->at(0).mode, "ingress");
}

TEST(ParsePort, ExpandsALargeRangeInTextOrder) {
  const Result<std::vector<PortSpec>> parsed = parse_port("1-1000:1-1000");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 1000U);
  const std::vector<PortSpec> head(parsed->begin(), parsed->begin() + 4);
  EXPECT_EQ(head, (std::vector<PortSpec>{port(1, "1"), port(10, "10"), port(100, "100"),
                                         port(1000, "1000")}));
  EXPECT_EQ(parsed->back(), port(999, "999"));
}

// ---- volumes ----------------------------------------------------------------------------------

struct VolumeRow {
  const char* name;
  std::string spec;
  VolumeSpec expected;    ///< when `error` is empty
  std::string error = {}; ///< the whole expected message
};

void PrintTo(const VolumeRow& row, std::ostream* os) {
  *os << row.name << ": " << row.spec;
}

VolumeSpec bind_mount(std::string source, std::string target) {
  VolumeSpec v;
  v.type = "bind";
  v.source = std::move(source);
  v.target = std::move(target);
  v.create_host_path = true;
  return v;
}

VolumeSpec named_volume(std::string source, std::string target) {
  VolumeSpec v;
  v.type = "volume";
  v.source = std::move(source);
  v.target = std::move(target);
  return v;
}

template <typename Edit>
VolumeSpec with(VolumeSpec v, Edit edit) {
  edit(v);
  return v;
}

void make_read_only(VolumeSpec& v) {
  v.read_only = true;
}

class ParseVolumeTable : public ::testing::TestWithParam<VolumeRow> {};

TEST_P(ParseVolumeTable, YieldsTheLongFormOrTheError) {
  const VolumeRow& row = GetParam();
  const Result<VolumeSpec> parsed = parse_volume(row.spec);
  if (row.error.empty()) {
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
    EXPECT_EQ(parsed->type, row.expected.type);
    EXPECT_EQ(parsed->source, row.expected.source);
    EXPECT_EQ(parsed->target, row.expected.target);
    EXPECT_EQ(parsed->read_only, row.expected.read_only);
    EXPECT_EQ(parsed->consistency, row.expected.consistency);
    EXPECT_EQ(parsed->selinux, row.expected.selinux);
    EXPECT_EQ(parsed->nocopy, row.expected.nocopy);
    EXPECT_EQ(parsed->propagation, row.expected.propagation);
    EXPECT_EQ(parsed->create_host_path, row.expected.create_host_path);
    EXPECT_EQ(parsed->ignored_options, row.expected.ignored_options);
  } else {
    ASSERT_FALSE(parsed.has_value()) << "parsed target " << parsed->target;
    EXPECT_EQ(parsed.error().code(), ErrorCode::InvalidSpec);
    EXPECT_EQ(parsed.error().message(), row.error);
  }
}

const VolumeRow kVolumeRows[] = {
    {"AnonymousVolume", "/data", named_volume("", "/data")},
    {"ShortAnonymousVolume", "/a", named_volume("", "/a")},
    {"NamedVolume", "db-data:/var/lib/postgresql/data",
     named_volume("db-data", "/var/lib/postgresql/data")},
    {"NamedVolumeWithSlashIsNotABind", "data/sub:/x", named_volume("data/sub", "/x")},
    {"RelativeBind", "./src:/app", bind_mount("./src", "/app")},
    {"DotBind", ".:/app", bind_mount(".", "/app")},
    {"ParentBindReadOnly", "../src:/app:ro", with(bind_mount("../src", "/app"), make_read_only)},
    {"HomeBindReadWrite", "~/cfg:/cfg:rw", bind_mount("~/cfg", "/cfg")},
    {"AbsoluteBind", "/var/run/docker.sock:/var/run/docker.sock",
     bind_mount("/var/run/docker.sock", "/var/run/docker.sock")},
    {"SelinuxShared", "/a:/b:ro,z",
     with(bind_mount("/a", "/b"),
          [](VolumeSpec& v) {
            v.read_only = true;
            v.selinux = "z";
          })},
    {"SelinuxPrivateAndPropagation", "/a:/b:Z,rslave",
     with(bind_mount("/a", "/b"),
          [](VolumeSpec& v) {
            v.selinux = "Z";
            v.propagation = "rslave";
          })},
    {"SharedPropagation", "/a:/b:shared",
     with(bind_mount("/a", "/b"), [](VolumeSpec& v) { v.propagation = "shared"; })},
    {"NoCopy", "name:/data:nocopy",
     with(named_volume("name", "/data"), [](VolumeSpec& v) { v.nocopy = true; })},
    {"ReadOnlyNoCopy", "name:/data:ro,nocopy",
     with(named_volume("name", "/data"),
          [](VolumeSpec& v) {
            v.read_only = true;
            v.nocopy = true;
          })},
    {"SelinuxKeptOnAVolumeLikeComposeGo", "name:/data:z",
     with(named_volume("name", "/data"), [](VolumeSpec& v) { v.selinux = "z"; })},
    {"LastAccessModeWins", "/a:/b:ro,rw", bind_mount("/a", "/b")},
    {"ConsistencyIsIgnored", "/a:/b:cached",
     with(bind_mount("/a", "/b"), [](VolumeSpec& v) { v.ignored_options = {"cached"}; })},
    {"UnknownOptionIsIgnored", "/a:/b:bogus,ro",
     with(bind_mount("/a", "/b"),
          [](VolumeSpec& v) {
            v.read_only = true;
            v.ignored_options = {"bogus"};
          })},
    {"EmptyOptionIsIgnored", "/a:/b:ro,,z",
     with(bind_mount("/a", "/b"),
          [](VolumeSpec& v) {
            v.read_only = true;
            v.selinux = "z";
            v.ignored_options = {""};
          })},
    {"TargetIsCleaned", "/a:/b/../c/./d//", bind_mount("/a", "/c/d")},
    {"TrailingSlashIsCleaned", "name:/data/", named_volume("name", "/data")},
    {"ColonInsideVariableDoesNotSplit", "/src:/dst/${VAR:-a:b}",
     bind_mount("/src", "/dst/${VAR:-a:b}")},
    {"NamedPipeSourceIsABind", R"(\\.\pipe\docker:/p)", bind_mount(R"(\\.\pipe\docker)", "/p")},
    // Errors.
    {"Empty", "", {}, "empty volume specification"},
    {"TooManyColons",
     "/foo:/foo:ro:foo",
     {},
     "invalid volume specification \"/foo:/foo:ro:foo\": too many colons"},
    {"EmptyTarget",
     "/foo::ro",
     {},
     "invalid volume specification \"/foo::ro\": empty section between colons"},
    {"EmptySource",
     ":/foo",
     {},
     "invalid volume specification \":/foo\": empty section between colons"},
    {"TrailingColon",
     "name:",
     {},
     "invalid volume specification \"name:\": empty section between colons"},
    {"RelativeTarget", "name:relative", {}, "volume target \"relative\" must be an absolute path"},
    {"BindToRelativeTarget", "/data:ro", {}, "volume target \"ro\" must be an absolute path"},
    {"ShortRelativeAnonymous", "ab", {}, "volume target \"ab\" must be an absolute path"},
    {"UnterminatedVariableDropsTheTarget",
     "/a:${x",
     {},
     "volume target \"\" must be an absolute path"},
};

INSTANTIATE_TEST_SUITE_P(Rows, ParseVolumeTable, ::testing::ValuesIn(kVolumeRows),
                         row_name<ParseVolumeTable::ParamType>);

TEST(ParseVolume, NeverSetsConsistencyFromTheShortSyntax) {
  const Result<VolumeSpec> parsed = parse_volume("./a:/b:delegated");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->consistency, "");
}

// ---- clean_path -------------------------------------------------------------------------------

struct CleanRow {
  const char* path;
  const char* expected;
};

class CleanPathTable : public ::testing::TestWithParam<CleanRow> {};

TEST_P(CleanPathTable, MatchesGoPathClean) {
  EXPECT_EQ(clean_path(GetParam().path), GetParam().expected) << GetParam().path;
}

// Rows from Go's path.Clean tests.
const CleanRow kCleanRows[] = {
    {"", "."},
    {"/", "/"},
    {"abc", "abc"},
    {"abc/def", "abc/def"},
    {".", "."},
    {"..", ".."},
    {"../..", "../.."},
    {"../../abc", "../../abc"},
    {"/abc", "/abc"},
    {"abc/", "abc"},
    {"/abc/def/", "/abc/def"},
    {"abc//def//ghi", "abc/def/ghi"},
    {"//abc", "/abc"},
    {"abc/./def", "abc/def"},
    {"/./abc/def", "/abc/def"},
    {"abc/.", "abc"},
    {"abc/def/ghi/../jkl", "abc/def/jkl"},
    {"abc/def/../ghi/../jkl", "abc/jkl"},
    {"abc/def/..", "abc"},
    {"abc/def/../..", "."},
    {"/abc/def/../..", "/"},
    {"abc/def/../../..", ".."},
    {"/abc/def/../../..", "/"},
    {"abc/def/../../../ghi/jkl/../../../mno", "../../mno"},
    {"abc/./../def", "def"},
    {"abc//./../def", "def"},
    {"abc/../../././../def", "../../def"},
};

INSTANTIATE_TEST_SUITE_P(Rows, CleanPathTable, ::testing::ValuesIn(kCleanRows));

} // namespace
} // namespace aic::compose
