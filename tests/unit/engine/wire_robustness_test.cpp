// Every decoder turns whatever the engine sends into a value or an EngineUnavailable error:
// never an exception, never a crash.

#include "engine/wire.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace aic::engine {
namespace {

struct DecoderRow {
  const char* name;
  bool top_level_array; ///< the answer is a JSON array, not an object
  std::function<std::optional<Error>(std::string_view)> decode;
};

std::ostream& operator<<(std::ostream& os, const DecoderRow& row) {
  return os << row.name;
}

template <typename T>
std::function<std::optional<Error>(std::string_view)> run(Result<T> (*decode)(std::string_view)) {
  return [decode](std::string_view body) -> std::optional<Error> {
    Result<T> result = decode(body);
    if (result) {
      return std::nullopt;
    }
    return std::move(result).error();
  };
}

const DecoderRow kDecoders[] = {
    {"EngineVersion", false, run(decode_engine_version)},
    {"EngineInfo", false, run(decode_engine_info)},
    {"EngineEvent", false, run(decode_engine_event)},
    {"CreatedId", false, run(decode_created_id)},
    {"ContainerList", true, run(decode_container_list)},
    {"ContainerInspect", false, run(decode_container_inspect)},
    {"ContainerWait", false, run(decode_container_wait)},
    {"ContainerTop", false, run(decode_container_top)},
    {"ExecInspect", false, run(decode_exec_inspect)},
    {"NetworkInspect", false, run(decode_network_inspect)},
    {"NetworkList", true, run(decode_network_list)},
    {"VolumeInspect", false, run(decode_volume_inspect)},
    {"VolumeList", false, run(decode_volume_list)},
    {"ImageList", true, run(decode_image_list)},
    {"ImageInspect", false, run(decode_image_inspect)},
    {"ProgressMessage", false, run(decode_progress_message)},
};

class EveryDecoder : public testing::TestWithParam<DecoderRow> {};

INSTANTIATE_TEST_SUITE_P(Wire, EveryDecoder, testing::ValuesIn(kDecoders),
                         [](const testing::TestParamInfo<DecoderRow>& row) {
                           return std::string(row.param.name);
                         });

void expect_unexpected_response(const std::optional<Error>& error) {
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code(), ErrorCode::EngineUnavailable);
  EXPECT_EQ(error->message().rfind("unexpected engine response: ", 0), 0u) << error->message();
}

TEST_P(EveryDecoder, RejectsABodyThatIsNotJson) {
  const std::optional<Error> error = GetParam().decode("<html>502 Bad Gateway</html>");
  expect_unexpected_response(error);
  EXPECT_NE(error->message().find("not JSON: \"<html>502 Bad Gateway</html>\""), std::string::npos)
      << error->message();
}

TEST_P(EveryDecoder, RejectsAnEmptyBody) {
  expect_unexpected_response(GetParam().decode(""));
}

TEST_P(EveryDecoder, RejectsTruncatedJson) {
  expect_unexpected_response(GetParam().decode(R"({"Id": "abc", "Names": ["/x")"));
}

TEST_P(EveryDecoder, RejectsAStringInsteadOfTheExpectedShape) {
  expect_unexpected_response(GetParam().decode(R"("hello")"));
}

TEST_P(EveryDecoder, RejectsTheOtherKindOfContainer) {
  expect_unexpected_response(GetParam().decode(GetParam().top_level_array ? "{}" : "[]"));
}

TEST_P(EveryDecoder, RejectsInvalidUtf8InsideAString) {
  expect_unexpected_response(GetParam().decode("{\"Id\": \"\xff\xfe\"}"));
}

TEST_P(EveryDecoder, SurvivesDeeplyNestedJson) {
  const std::string body = std::string(20'000, '[') + std::string(20'000, ']');
  const std::optional<Error> error = GetParam().decode(body);
  if (!GetParam().top_level_array) {
    expect_unexpected_response(error);
  }
}

TEST_P(EveryDecoder, AcceptsAnObjectOfNulls) {
  const std::string body =
      R"({"Id": "x", "ID": null, "Name": null, "State": null, "Config": null, "HostConfig": null,
          "NetworkSettings": null, "Mounts": null, "Labels": null, "Runtimes": null,
          "Actor": null, "Volumes": null, "Titles": null, "Processes": null, "Error": null,
          "ExitCode": null, "IPAM": null, "Containers": null, "Options": null,
          "RepoTags": null, "RepoDigests": null, "progressDetail": null, "aux": null,
          "errorDetail": null, "Warnings": null})";
  const std::string array_body = "[" + body + ", null]";
  const std::optional<Error> error =
      GetParam().decode(GetParam().top_level_array ? array_body : body);
  EXPECT_FALSE(error.has_value()) << error->message();
}

TEST(WireDecode, CapsTheBodyExcerptOfANonJsonAnswer) {
  const Result<EngineVersion> version = decode_engine_version(std::string(500, '<'));
  ASSERT_FALSE(version);
  EXPECT_LT(version.error().message().size(), 200u);
}

TEST(WireDecode, RejectsAnUnsignedNumberPastInt64) {
  const Result<EngineInfo> info = decode_engine_info(R"({"MemTotal": 9223372036854775808})");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().message(), "unexpected engine response: engine info: MemTotal: "
                                    "9223372036854775808 does not fit a 64-bit integer");
}

TEST(WireDecode, AcceptsTheLargestInt64) {
  const Result<EngineInfo> info = decode_engine_info(R"({"MemTotal": 9223372036854775807})");
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_EQ(info->mem_total_bytes, 9'223'372'036'854'775'807);
}

TEST(WireDecode, RejectsANumberPastUint64) {
  const Result<EngineInfo> info = decode_engine_info(R"({"MemTotal": 123456789012345678901234})");
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message().find("MemTotal: expected an integer that fits 64 bits"),
            std::string::npos)
      << info.error().message();
}

TEST(WireDecode, RejectsAFractionalNumber) {
  const Result<ContainerWait> wait = decode_container_wait(R"({"StatusCode": 1.5})");
  ASSERT_FALSE(wait);
  EXPECT_NE(wait.error().message().find("StatusCode: expected an integer"), std::string::npos);
}

TEST(WireDecode, RejectsANegativeNumberBelowInt32ForAnIntField) {
  const Result<ExecInspect> exec = decode_exec_inspect(R"({"ExitCode": -2147483649})");
  ASSERT_FALSE(exec);
  EXPECT_EQ(exec.error().message(), "unexpected engine response: exec inspect: ExitCode: "
                                    "-2147483649 does not fit a 32-bit integer");
}

TEST(WireDecode, AcceptsNegativeNumbersThatFit) {
  const Result<ExecInspect> exec = decode_exec_inspect(R"({"ExitCode": -1})");
  ASSERT_TRUE(exec) << exec.error().describe();
  EXPECT_EQ(exec->exit_code, -1);
}

TEST(WireDecode, RejectsABooleanWhereAStringIsExpected) {
  const Result<VolumeInspect> volume = decode_volume_inspect(R"({"Name": true})");
  ASSERT_FALSE(volume);
  EXPECT_EQ(volume.error().message(),
            "unexpected engine response: volume inspect: Name: expected a string, got boolean");
}

TEST(WireDecode, RejectsAStringWhereAnObjectIsExpected) {
  const Result<ContainerInspect> inspect = decode_container_inspect(R"({"State": "running"})");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(inspect.error().message(), "unexpected engine response: container inspect: "
                                       "State: expected an object, got string");
}

TEST(WireDecode, RejectsAnObjectWhereAListIsExpected) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"Config": {"Env": {"A": "1"}}})");
  ASSERT_FALSE(inspect);
  EXPECT_NE(inspect.error().message().find("Config.Env: expected an array, got object"),
            std::string::npos);
}

TEST(WireDecode, RejectsANullInsideAListOfStrings) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"Config": {"Env": ["A=1", null]}})");
  ASSERT_FALSE(inspect);
  EXPECT_NE(inspect.error().message().find("Config.Env[1]: expected a string, got null"),
            std::string::npos);
}

TEST(WireDecode, RejectsANullLabelValue) {
  const Result<VolumeInspect> volume = decode_volume_inspect(R"({"Labels": {"a": null}})");
  ASSERT_FALSE(volume);
  EXPECT_NE(volume.error().message().find("Labels.a: expected a string, got null"),
            std::string::npos);
}

TEST(WireDecode, ReportsTheFirstProblemOnly) {
  const Result<ContainerInspect> inspect =
      decode_container_inspect(R"({"Id": 1, "Name": 2, "State": {"Pid": "x"}})");
  ASSERT_FALSE(inspect);
  EXPECT_EQ(inspect.error().message(), "unexpected engine response: container inspect: "
                                       "Id: expected a string, got number");
}

TEST(WireDecode, SkipsNullElementsOfAListOfObjects) {
  const Result<std::vector<ImageSummary>> list = decode_image_list(R"([null, {"Id": "sha256:1"}])");
  ASSERT_TRUE(list) << list.error().describe();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, "sha256:1");
}

TEST(WireDecode, RejectsANonObjectElementOfAListOfObjects) {
  const Result<std::vector<ImageSummary>> list = decode_image_list(R"([{"Id": "a"}, 7])");
  ASSERT_FALSE(list);
  EXPECT_EQ(list.error().message(),
            "unexpected engine response: image list: [1]: expected an object, got number");
}

TEST(WireDecode, IgnoresMembersItDoesNotKnow) {
  const Result<ContainerWait> wait =
      decode_container_wait(R"({"StatusCode": 0, "Future": {"Nested": [1, 2, {"x": null}]}})");
  ASSERT_TRUE(wait) << wait.error().describe();
  EXPECT_EQ(wait->status_code, 0);
}

} // namespace
} // namespace aic::engine
