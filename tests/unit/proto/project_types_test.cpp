#include "proto/project_types.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

using nlohmann::json;

UpRequest full_up_request() {
  UpRequest r;
  r.inputs.config_files = {"/p/compose.yaml", "/p/compose.override.yaml"};
  r.inputs.files = {{"/p/compose.yaml", "services:\n  web:\n    image: nginx\n"},
                    {"/p/.env", "TAG=1.2\n"},
                    {"/p/web.env", "A=b\n"}};
  r.inputs.working_dir = "/p";
  r.inputs.project_directory = "/p";
  r.inputs.project_name = "demo";
  r.inputs.env_files = {"/p/extra.env"};
  r.inputs.profiles = {"debug"};
  r.inputs.services = {"web"};
  r.inputs.environment = {{"TAG", "1.2"}, {"COMPOSE_PROFILES", "debug"}};
  r.options.services = {"web", "db"};
  r.options.build = "always";
  r.options.pull = "missing";
  r.options.force_recreate = true;
  r.options.no_recreate = false;
  r.options.no_deps = true;
  r.options.remove_orphans = true;
  r.options.no_start = true;
  r.options.wait = true;
  r.options.wait_timeout_s = 30;
  r.options.timeout_s = 7;
  r.options.scale = {{"web", 3}, {"worker", 0}};
  return r;
}

TEST(ProjectTypes, UpRequestRoundTripsEveryField) {
  UpRequest r = full_up_request();
  json j = r;
  EXPECT_EQ(j["inputs"]["files"]["/p/.env"], "TAG=1.2\n");
  EXPECT_EQ(j["inputs"]["environment"]["TAG"], "1.2");
  EXPECT_EQ(j["options"]["scale"]["web"], 3);
  EXPECT_EQ(j["options"]["timeout_s"], 7);
  UpRequest back = j.get<UpRequest>();
  EXPECT_EQ(back, r);
  // Through text too, as it goes over the wire.
  EXPECT_EQ(json::parse(j.dump()).get<UpRequest>(), r);
}

TEST(ProjectTypes, UpRequestOmitsUnsetOptionalsAndReadsThemBackUnset) {
  UpRequest r;
  r.inputs.config_files = {"/p/compose.yaml"};
  r.inputs.working_dir = "/p";
  json j = r;
  EXPECT_FALSE(j["options"].contains("timeout_s"));
  EXPECT_FALSE(j["inputs"].contains("project_name"));
  EXPECT_FALSE(j["inputs"].contains("project_directory"));
  UpRequest back = j.get<UpRequest>();
  EXPECT_EQ(back, r);
  EXPECT_FALSE(back.options.timeout_s.has_value());
  EXPECT_FALSE(back.inputs.project_name.has_value());
}

TEST(ProjectTypes, UpRequestZeroTimeoutIsKeptApartFromNoTimeout) {
  UpRequest r;
  r.options.timeout_s = 0;
  UpRequest back = json(r).get<UpRequest>();
  ASSERT_TRUE(back.options.timeout_s.has_value());
  EXPECT_EQ(*back.options.timeout_s, 0);
}

TEST(ProjectTypes, AbsentKeysKeepTheDefaults) {
  UpRequest up = json::object().get<UpRequest>();
  EXPECT_EQ(up, UpRequest{});
  UpRequest partial = json::parse(R"({"options":{"wait":true}})").get<UpRequest>();
  EXPECT_TRUE(partial.options.wait);
  EXPECT_EQ(partial.options.wait_timeout_s, 0);
  EXPECT_TRUE(partial.options.scale.empty());
  EXPECT_EQ(partial.inputs, ComposeInputs{});

  EXPECT_EQ(json::object().get<DownOptions>(), DownOptions{});
  ProgressEvent event = json::parse(R"({"name":"p-web-1"})").get<ProgressEvent>();
  EXPECT_EQ(event.name, "p-web-1");
  EXPECT_EQ(event.level, "info");
  EXPECT_EQ(json::object().get<ProjectStatus>(), ProjectStatus{});
}

TEST(ProjectTypes, NullValuesKeepTheDefaults) {
  UpOptions o =
      json::parse(R"({"timeout_s":null,"scale":null,"build":null,"wait":null})").get<UpOptions>();
  EXPECT_EQ(o, UpOptions{});
  ProgressEvent e = json::parse(R"({"level":null})").get<ProgressEvent>();
  EXPECT_EQ(e.level, "info");
}

TEST(ProjectTypes, DownOptionsRoundTrip) {
  DownOptions d;
  d.volumes = true;
  d.rmi = "local";
  d.remove_orphans = true;
  d.timeout_s = 3;
  json j = d;
  EXPECT_EQ(j, json::parse(R"({"volumes":true,"rmi":"local","remove_orphans":true,
                               "timeout_s":3})"));
  EXPECT_EQ(j.get<DownOptions>(), d);

  DownOptions plain;
  json pj = plain;
  EXPECT_FALSE(pj.contains("timeout_s"));
  EXPECT_EQ(pj.get<DownOptions>(), plain);
}

TEST(ProjectTypes, ProgressEventRoundTrips) {
  ProgressEvent e{"container", "p-web-1", "Started", "exit 0", "warning"};
  json j = e;
  EXPECT_EQ(j, json::parse(R"({"kind":"container","name":"p-web-1","status":"Started",
                               "detail":"exit 0","level":"warning"})"));
  EXPECT_EQ(j.get<ProgressEvent>(), e);
}

TEST(ProjectTypes, ProjectStatusRoundTripsWithItsContainers) {
  ProjectStatus s;
  s.name = "demo";
  s.status = "exited(1), running(1)";
  s.working_dir = "/p";
  s.config_files = {"/p/compose.yaml"};
  ContainerStatus web;
  web.id = "abc";
  web.name = "demo-web-1";
  web.service = "web";
  web.number = 1;
  web.image = "nginx";
  web.state = "running";
  web.health = "healthy";
  web.status = "Up 3 seconds (healthy)";
  web.created = 1700000000123;
  web.ports = {"127.0.0.1:8080->80/tcp", "443/tcp"};
  ContainerStatus job;
  job.name = "demo-job-1";
  job.service = "job";
  job.number = 1;
  job.state = "exited";
  job.exit_code = 3;
  s.containers = {web, job};
  json j = s;
  EXPECT_EQ(j["containers"][0]["created"], 1700000000123);
  EXPECT_EQ(j["containers"][1]["exit_code"], 3);
  EXPECT_EQ(j.get<ProjectStatus>(), s);
  EXPECT_EQ(json::parse(j.dump()).get<ProjectStatus>(), s);
}

TEST(ProjectTypes, AWrongTypeThrowsTypeError) {
  EXPECT_THROW((void)json::parse(R"({"options":{"wait":"yes"}})").get<UpRequest>(),
               json::type_error);
  EXPECT_THROW((void)json::parse(R"({"options":{"timeout_s":"7"}})").get<UpRequest>(),
               json::type_error);
  EXPECT_THROW((void)json::parse(R"({"options":{"scale":{"web":"3"}}})").get<UpRequest>(),
               json::type_error);
  EXPECT_THROW((void)json::parse(R"({"inputs":{"files":["/p/compose.yaml"]}})").get<UpRequest>(),
               json::type_error);
  EXPECT_THROW((void)json::parse(R"({"inputs":{"environment":{"A":1}}})").get<UpRequest>(),
               json::type_error);
  EXPECT_THROW((void)json::parse(R"({"volumes":1})").get<DownOptions>(), json::type_error);
  EXPECT_THROW((void)json::parse(R"({"rmi":false})").get<DownOptions>(), json::type_error);
  EXPECT_THROW((void)json::parse(R"({"status":3})").get<ProgressEvent>(), json::type_error);
  EXPECT_THROW((void)json::parse(R"({"containers":{}})").get<ProjectStatus>(), json::type_error);
  EXPECT_THROW((void)json::parse(R"({"containers":[{"number":"1"}]})").get<ProjectStatus>(),
               json::type_error);
}

TEST(UpOptionsWire, WholeNumbersAreCheckedNotWrappedOrTruncated) {
  const auto options = [](const char* text) {
    return nlohmann::json::parse(text).get<UpOptions>();
  };
  EXPECT_EQ(options(R"({"scale": {"web": 2}, "timeout_s": 7})").scale.at("web"), 2);
  EXPECT_EQ(options(R"({"timeout_s": 7})").timeout_s, std::optional<int>(7));
  for (const char* bad : {R"({"scale": {"web": 4294967297}})", R"({"scale": {"web": 1.5}})",
                          R"({"scale": {"web": 1e300}})", R"({"scale": {"web": "2"}})",
                          R"({"scale": [2]})", R"({"timeout_s": 3000000000})",
                          R"({"wait_timeout_s": 0.5})", R"({"timeout_s": -9223372036854775808})"}) {
    EXPECT_THROW(options(bad), nlohmann::json::exception) << bad;
  }
  try {
    options(R"({"scale": {"web": 4294967297}})");
  } catch (const nlohmann::json::exception& e) {
    EXPECT_NE(std::string(e.what()).find("scale.web is out of range: 4294967297"),
              std::string::npos)
        << e.what();
  }
  // Negative counts decode; up refuses them with its own message.
  EXPECT_EQ(options(R"({"scale": {"web": -1}})").scale.at("web"), -1);
}

} // namespace
} // namespace aic::proto
