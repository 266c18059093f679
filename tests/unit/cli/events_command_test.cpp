#include "cli/commands/events_command.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::cli {
namespace {

proto::ProjectEvent stop_event() {
  proto::ProjectEvent e;
  e.id = 12;
  e.time_ns = 1'714'557'600'123'456'789;
  e.project = "demo";
  e.type = "container";
  e.action = "stop";
  e.service = "web";
  e.container = "demo-web-1";
  e.container_id = "4f1e";
  e.attributes = {{"name", "demo-web-1"}, {"image", "busybox"}};
  return e;
}

TEST(EventsCommand, PrintsTheLineDockerComposeEventsPrints) {
  EXPECT_EQ(format_event_line(stop_event()),
            "2024-05-01 10:00:00.123456789 +0000 UTC container stop 4f1e "
            "(image=busybox, name=demo-web-1, service=web)");
}

TEST(EventsCommand, JsonCarriesComposeFieldsWithTheContainerIdAsId) {
  const nlohmann::json j = nlohmann::json::parse(format_event_json(stop_event()));
  EXPECT_EQ(j, nlohmann::json({{"time", "2024-05-01T10:00:00.123456789Z"},
                               {"type", "container"},
                               {"action", "stop"},
                               {"id", "4f1e"},
                               {"service", "web"},
                               {"attributes", {{"image", "busybox"}, {"name", "demo-web-1"}}}}));
}

TEST(EventsCommand, IsInTheCommandTable) {
  const CommandSpec* spec = find_command("events");
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(spec->project);
  EXPECT_NE(spec->help().find("--json"), std::string::npos);
}

} // namespace
} // namespace aic::cli
