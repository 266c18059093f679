// Decoding of /version, /info and /events, and the engine's error bodies. The fixtures are
// trimmed answers of a real Engine 20.10 (API 1.41).

#include "engine/wire.hpp"

#include <gtest/gtest.h>
#include <string>

namespace aic::engine {
namespace {

const char* const kVersion = R"json({
 "Platform": {
  "Name": ""
 },
 "Components": [
  {
   "Name": "Engine",
   "Version": "20.10.24+dfsg1",
   "Details": {
    "ApiVersion": "1.41",
    "Arch": "amd64",
    "BuildTime": "2026-05-07T21:09:36.000000000+00:00",
    "Experimental": "false",
    "GitCommit": "5d6db84",
    "GoVersion": "go1.19.8",
    "KernelVersion": "6.18.44-fc-v782",
    "MinAPIVersion": "1.12",
    "Os": "linux"
   }
  },
  {
   "Name": "containerd",
   "Version": "1.6.20~ds1",
   "Details": {
    "GitCommit": "1.6.20~ds1-1+deb12u3"
   }
  },
  {
   "Name": "runc",
   "Version": "1.1.5+ds1",
   "Details": {
    "GitCommit": "1.1.5+ds1-1+deb12u1"
   }
  },
  {
   "Name": "docker-init",
   "Version": "0.19.0",
   "Details": {
    "GitCommit": ""
   }
  }
 ],
 "Version": "20.10.24+dfsg1",
 "ApiVersion": "1.41",
 "MinAPIVersion": "1.12",
 "GitCommit": "5d6db84",
 "GoVersion": "go1.19.8",
 "Os": "linux",
 "Arch": "amd64",
 "KernelVersion": "6.18.44-fc-v782",
 "BuildTime": "2026-05-07T21:09:36.000000000+00:00"
})json";

const char* const kInfo = R"json({
 "ID": "53HV:GSS7:HFLM:4GBD:JNU3:UFAW:RJ76:MS2A:LMC2:BJZ4:CYLG:5POH",
 "Containers": 0,
 "ContainersRunning": 0,
 "Images": 2,
 "Driver": "overlay2",
 "MemoryLimit": true,
 "CgroupDriver": "cgroupfs",
 "CgroupVersion": "1",
 "KernelVersion": "6.18.44-fc-v782",
 "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
 "OSType": "linux",
 "Architecture": "x86_64",
 "NCPU": 2,
 "MemTotal": 25276026880,
 "GenericResources": null,
 "Name": "vm",
 "Labels": [],
 "ServerVersion": "20.10.24+dfsg1",
 "Runtimes": {
  "io.containerd.runc.v2": {
   "path": "runc"
  },
  "io.containerd.runtime.v1.linux": {
   "path": "runc"
  },
  "runc": {
   "path": "runc"
  }
 },
 "DefaultRuntime": "runc",
 "Warnings": null
})json";

TEST(WireEngineVersion, ReadsTheVersionsAndPlatform) {
  const Result<EngineVersion> version = decode_engine_version(kVersion);
  ASSERT_TRUE(version) << version.error().describe();
  EXPECT_EQ(*version,
            (EngineVersion{"20.10.24+dfsg1", "1.41", "1.12", "linux", "amd64", "6.18.44-fc-v782"}));
}

TEST(WireEngineVersion, LeavesMissingFieldsEmpty) {
  const Result<EngineVersion> version = decode_engine_version(R"({"ApiVersion": "1.47"})");
  ASSERT_TRUE(version) << version.error().describe();
  EXPECT_EQ(version->api_version, "1.47");
  EXPECT_EQ(version->min_api_version, "");
}

TEST(WireEngineInfo, ReadsIdentityCapacityAndSortedRuntimes) {
  const Result<EngineInfo> info = decode_engine_info(kInfo);
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_EQ(info->id, "53HV:GSS7:HFLM:4GBD:JNU3:UFAW:RJ76:MS2A:LMC2:BJZ4:CYLG:5POH");
  EXPECT_EQ(info->name, "vm");
  EXPECT_EQ(info->server_version, "20.10.24+dfsg1");
  EXPECT_EQ(info->operating_system, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(info->kernel_version, "6.18.44-fc-v782");
  EXPECT_EQ(info->driver, "overlay2");
  EXPECT_EQ(info->cgroup_version, "1");
  EXPECT_EQ(info->containers, 0);
  EXPECT_EQ(info->images, 2);
  EXPECT_EQ(info->ncpu, 2);
  EXPECT_EQ(info->mem_total_bytes, 25'276'026'880);
  EXPECT_EQ(info->runtimes, (std::vector<std::string>{"io.containerd.runc.v2",
                                                      "io.containerd.runtime.v1.linux", "runc"}));
  EXPECT_EQ(info->default_runtime, "runc");
}

TEST(WireEngineInfo, ReadsNullRuntimesAsNone) {
  const Result<EngineInfo> info = decode_engine_info(R"({"Runtimes": null})");
  ASSERT_TRUE(info) << info.error().describe();
  EXPECT_TRUE(info->runtimes.empty());
}

TEST(WireEngineEvent, ReadsAContainerDieEventWithItsExitCode) {
  const Result<EngineEvent> event = decode_engine_event(
      R"({"status":"die","id":"653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e","from":"aic-test/busybox","Type":"container","Action":"die","Actor":{"ID":"653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e","Attributes":{"com.docker.compose.project":"aicwiretest","exitCode":"137","image":"aic-test/busybox","name":"aicwiretest-run"}},"scope":"local","time":1795922408,"timeNano":1795922408978434728})");
  ASSERT_TRUE(event) << event.error().describe();
  EXPECT_EQ(event->type, "container");
  EXPECT_EQ(event->action, "die");
  EXPECT_EQ(event->actor_id, "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e");
  EXPECT_EQ(event->attributes.at("exitCode"), "137");
  EXPECT_EQ(event->attributes.at("name"), "aicwiretest-run");
  EXPECT_EQ(event->time_ns, 1'795'922'408'978'434'728);
}

TEST(WireEngineEvent, ReadsANetworkConnectEvent) {
  const Result<EngineEvent> event = decode_engine_event(
      R"({"Type":"network","Action":"connect","Actor":{"ID":"dd28dab466671298a4c287d4b5862c9f7b80ef92a8444031998006a745c26d40","Attributes":{"container":"653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e","name":"aicwiretest-net","type":"bridge"}},"scope":"local","time":1795922400,"timeNano":1795922400745429649})");
  ASSERT_TRUE(event) << event.error().describe();
  EXPECT_EQ(event->type, "network");
  EXPECT_EQ(event->action, "connect");
  EXPECT_EQ(event->attributes.at("container"),
            "653465ffe9cb0c66eb1dc337eee4854c5952ab6cf707f680b12fb2fccb81325e");
}

TEST(WireEngineEvent, FallsBackToSecondsWhenTimeNanoIsMissing) {
  const Result<EngineEvent> event = decode_engine_event(
      R"({"Type":"volume","Action":"create","Actor":{"ID":"v"},"time":1795922400})");
  ASSERT_TRUE(event) << event.error().describe();
  EXPECT_EQ(event->time_ns, 1'795'922'400'000'000'000);
  EXPECT_TRUE(event->attributes.empty());
}

TEST(WireEngineEvent, FailsWhenSecondsDoNotFitInNanoseconds) {
  const Result<EngineEvent> event = decode_engine_event(R"({"Type":"x","time":9300000000000})");
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_NE(event.error().message().find("time: "), std::string::npos);
}

TEST(WireEngineEvent, ReadsTheStatusAndIdOfOldContainerEvents) {
  const Result<EngineEvent> event =
      decode_engine_event(R"({"status":"start","id":"abc","from":"nginx","time":5})");
  ASSERT_TRUE(event) << event.error().describe();
  EXPECT_EQ(event->type, "container");
  EXPECT_EQ(event->action, "start");
  EXPECT_EQ(event->actor_id, "abc");
  EXPECT_EQ(event->time_ns, 5'000'000'000);
}

TEST(WireEngineEvent, FailsOnAttributesThatAreNotStrings) {
  const Result<EngineEvent> event =
      decode_engine_event(R"({"Type":"container","Actor":{"Attributes":{"exitCode":137}}})");
  ASSERT_FALSE(event);
  EXPECT_EQ(event.error().message(), "unexpected engine response: event: "
                                     "Actor.Attributes.exitCode: expected a string, got number");
}

TEST(EngineErrorMessage, ReadsTheMessageOfAnEngineErrorBody) {
  EXPECT_EQ(engine_error_message(R"({"message":"No such container: nope"})"),
            "No such container: nope");
}

TEST(EngineErrorMessage, KeepsTheMessageWhenOtherMembersArePresent) {
  EXPECT_EQ(engine_error_message("{\"message\": \"conflict\", \"code\": 409}\n"), "conflict");
}

TEST(EngineErrorMessage, GivesTheTrimmedBodyWhenItIsNotJson) {
  EXPECT_EQ(engine_error_message("  404 page not found\n"), "404 page not found");
}

TEST(EngineErrorMessage, GivesTheBodyWhenTheJsonHasNoMessageString) {
  EXPECT_EQ(engine_error_message(R"({"message": null})"), R"({"message": null})");
  EXPECT_EQ(engine_error_message(R"(["message"])"), R"(["message"])");
}

TEST(EngineErrorMessage, GivesAnEmptyStringForAnEmptyBody) {
  EXPECT_EQ(engine_error_message(""), "");
  EXPECT_EQ(engine_error_message(" \r\n\t"), "");
}

TEST(EngineErrorMessage, CapsALongBodyAtOneKibibyte) {
  const std::string body(5000, 'x');
  EXPECT_EQ(engine_error_message(body), std::string(kMaxEngineErrorMessageBytes, 'x'));
  const std::string json = R"({"message":")" + body + R"("})";
  EXPECT_EQ(engine_error_message(json).size(), kMaxEngineErrorMessageBytes);
}

TEST(EngineErrorMessage, NeverCutsAUtf8SequenceInHalf) {
  // 1023 ASCII bytes, then a 3-byte character that would straddle the cap.
  const std::string body = std::string(1023, 'a') + "\xE2\x82\xAC" + "tail";
  EXPECT_EQ(engine_error_message(body), std::string(1023, 'a'));
}

TEST(EngineErrorMessage, ReplacesInvalidUtf8InARawBody) {
  EXPECT_EQ(engine_error_message("bad \xff byte"), "bad \xEF\xBF\xBD byte");
}

} // namespace
} // namespace aic::engine
