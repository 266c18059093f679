#include "engine/docker_host.hpp"

#include <gtest/gtest.h>
#include <ostream>
#include <string>

namespace aic::engine {
namespace {

struct Row {
  const char* name;
  const char* value;
  const char* described; // describe() of the result
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

const Row kRows[] = {
    {"EmptyIsTheDefaultSocket", "", "unix:///var/run/docker.sock"},
    {"BlankIsTheDefaultSocket", "  \t", "unix:///var/run/docker.sock"},
    {"UnixSocketPath", "unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock"},
    {"UnixWithoutPathIsTheDefaultSocket", "unix://", "unix:///var/run/docker.sock"},
    {"SurroundingSpacesAreTrimmed", " unix:///tmp/d.sock\n", "unix:///tmp/d.sock"},
    {"TcpWithPort", "tcp://10.0.0.5:2376", "tcp://10.0.0.5:2376"},
    {"TcpWithoutPortUses2375", "tcp://docker.internal", "tcp://docker.internal:2375"},
    {"TcpWithEmptyPortUses2375", "tcp://docker.internal:", "tcp://docker.internal:2375"},
    {"TcpWithTrailingSlash", "tcp://host:1234/", "tcp://host:1234"},
    {"TcpWithoutHostIsLocalhost", "tcp://:2380", "tcp://localhost:2380"},
    {"TcpAloneIsLocalhost2375", "tcp://", "tcp://localhost:2375"},
    {"HttpIsTcp", "http://host:80", "tcp://host:80"},
    {"BracketedIpv6", "tcp://[::1]:2375", "tcp://[::1]:2375"},
    {"BracketedIpv6WithoutPort", "tcp://[fe80::1%eth0]", "tcp://[fe80::1%eth0]:2375"},
    {"NoSchemeIsTcpLikeDocker", "myhost:3000", "tcp://myhost:3000"},
    {"HighestPort", "tcp://h:65535", "tcp://h:65535"},
};

class ParseDockerHost : public ::testing::TestWithParam<Row> {};

TEST_P(ParseDockerHost, ReadsTheAddressLikeTheDockerCli) {
  const Row& row = GetParam();
  const auto address = parse_docker_host(row.value);
  ASSERT_TRUE(address) << address.error().describe();
  EXPECT_EQ(address->describe(), row.described);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseDockerHost, ::testing::ValuesIn(kRows),
                         [](const ::testing::TestParamInfo<Row>& param) {
                           return std::string(param.param.name);
                         });

struct BadRow {
  const char* name;
  const char* value;
  const char* message;
};

std::ostream& operator<<(std::ostream& os, const BadRow& r) {
  return os << r.name;
}

const BadRow kBadRows[] = {
    {"Ssh", "ssh://x",
     "DOCKER_HOST=ssh://x: the ssh scheme is not supported (use unix:// or tcp://)"},
    {"Https", "https://h:2376",
     "DOCKER_HOST=https://h:2376: the https scheme is not supported (use unix:// or tcp://)"},
    {"NamedPipe", "npipe:////./pipe/docker_engine",
     "DOCKER_HOST=npipe:////./pipe/docker_engine: the npipe scheme is not supported (use "
     "unix:// or tcp://)"},
    {"Fd", "fd://", "DOCKER_HOST=fd://: the fd scheme is not supported (use unix:// or tcp://)"},
    {"UnknownScheme", "udp://h:1",
     "DOCKER_HOST=udp://h:1: the udp scheme is not supported (use unix:// or tcp://)"},
    {"SchemesAreCaseSensitive", "TCP://h:1",
     "DOCKER_HOST=TCP://h:1: the TCP scheme is not supported (use unix:// or tcp://)"},
    {"EmptyScheme", "://h",
     "DOCKER_HOST=://h: missing scheme before \"://\" (use unix:// or tcp://)"},
    {"RelativeSocket", "unix://docker.sock",
     "DOCKER_HOST=unix://docker.sock: the socket path must be absolute"},
    {"NestedScheme", "unix:///a://b", "DOCKER_HOST=unix:///a://b: invalid socket path"},
    {"TcpPath", "tcp://h:2375/v1.41",
     "DOCKER_HOST=tcp://h:2375/v1.41: a tcp address cannot have a path"},
    {"TcpQuery", "tcp://h:2375?x=1", "DOCKER_HOST=tcp://h:2375?x=1: invalid port \"2375?x=1\""},
    {"PortZero", "tcp://h:0", "DOCKER_HOST=tcp://h:0: invalid port \"0\""},
    {"PortTooLarge", "tcp://h:65536", "DOCKER_HOST=tcp://h:65536: invalid port \"65536\""},
    {"PortOverflow", "tcp://h:99999999999999999999",
     "DOCKER_HOST=tcp://h:99999999999999999999: invalid port \"99999999999999999999\""},
    {"PortNotANumber", "tcp://h:http", "DOCKER_HOST=tcp://h:http: invalid port \"http\""},
    {"SignedPort", "tcp://h:+80", "DOCKER_HOST=tcp://h:+80: invalid port \"+80\""},
    {"UserInfo", "tcp://me@h:1", "DOCKER_HOST=tcp://me@h:1: invalid host \"me@h\""},
    {"UnbracketedIpv6", "tcp://::1:2375",
     "DOCKER_HOST=tcp://::1:2375: an IPv6 address must be in brackets, as in tcp://[::1]:2375"},
    {"UnclosedBracket", "tcp://[::1:2375",
     "DOCKER_HOST=tcp://[::1:2375: missing ']' after the IPv6 address"},
    {"BracketedName", "tcp://[host]:1",
     "DOCKER_HOST=tcp://[host]:1: invalid IPv6 address \"host\""},
    {"JunkAfterBracket", "tcp://[::1]x",
     "DOCKER_HOST=tcp://[::1]x: unexpected \"x\" after the address"},
    {"BareSocketPath", "/var/run/docker.sock",
     "DOCKER_HOST=/var/run/docker.sock: a socket path needs the unix:// scheme, as in "
     "unix:///var/run/docker.sock"},
};

class ParseDockerHostErrors : public ::testing::TestWithParam<BadRow> {};

TEST_P(ParseDockerHostErrors, QuoteTheValueAndSayWhatIsWrong) {
  const BadRow& row = GetParam();
  const auto address = parse_docker_host(row.value);
  ASSERT_FALSE(address) << address->describe();
  EXPECT_EQ(address.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(address.error().message(), row.message);
}

INSTANTIATE_TEST_SUITE_P(Table, ParseDockerHostErrors, ::testing::ValuesIn(kBadRows),
                         [](const ::testing::TestParamInfo<BadRow>& param) {
                           return std::string(param.param.name);
                         });

TEST(EngineAddress, UnixAddressHasOnlyAPath) {
  const auto address = parse_docker_host("unix:///tmp/x.sock");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->kind, EngineAddress::Kind::Unix);
  EXPECT_EQ(address->path, "/tmp/x.sock");
  EXPECT_EQ(address->host, "");
}

TEST(EngineAddress, TcpAddressHasHostAndPortWithoutBrackets) {
  const auto address = parse_docker_host("tcp://[::1]:2376");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->kind, EngineAddress::Kind::Tcp);
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 2376);
  EXPECT_EQ(address->path, "");
}

TEST(EngineAddressFromEnvironment, UnsetMeansTheDefaultSocket) {
  const auto address = engine_address_from_environment(nullptr, nullptr);
  ASSERT_TRUE(address);
  EXPECT_EQ(*address, EngineAddress{});
  EXPECT_EQ(address->describe(), "unix:///var/run/docker.sock");
}

TEST(EngineAddressFromEnvironment, UsesDockerHost) {
  const auto address = engine_address_from_environment("tcp://h:1", "");
  ASSERT_TRUE(address);
  EXPECT_EQ(address->describe(), "tcp://h:1");
}

TEST(EngineAddressFromEnvironment, PassesOnDockerHostErrors) {
  const auto address = engine_address_from_environment("ssh://me@h", nullptr);
  ASSERT_FALSE(address);
  EXPECT_EQ(address.error().code(), ErrorCode::InvalidSpec);
}

TEST(EngineAddressFromEnvironment, RefusesTlsVerifyWhateverItsValue) {
  for (const char* value : {"1", "0", "false"}) {
    const auto address = engine_address_from_environment("tcp://h:2376", value);
    ASSERT_FALSE(address) << value;
    EXPECT_EQ(address.error().code(), ErrorCode::InvalidSpec);
    EXPECT_NE(address.error().message().find("TLS is not supported"), std::string::npos)
        << address.error().message();
    EXPECT_EQ(address.error().message().rfind("DOCKER_TLS_VERIFY=" + std::string(value), 0), 0u);
  }
}

} // namespace
} // namespace aic::engine
