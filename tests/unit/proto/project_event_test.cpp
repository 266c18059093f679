#include "proto/project_event.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::proto {
namespace {

TEST(ProjectEventTime, FormatsUtcWithNineFractionDigits) {
  EXPECT_EQ(format_rfc3339_ns(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(format_rfc3339_ns(1'714'557'600'123'456'789), "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(format_rfc3339_ns(951'782'400'000'000'001), "2000-02-29T00:00:00.000000001Z");
  EXPECT_EQ(format_rfc3339_ns(-1), "1969-12-31T23:59:59.999999999Z");
}

TEST(ProjectEventTime, ParsesFractionsAndOffsets) {
  EXPECT_EQ(parse_rfc3339_ns("2024-05-01T10:00:00.123456789Z"), 1'714'557'600'123'456'789);
  EXPECT_EQ(parse_rfc3339_ns("2024-05-01T10:00:00Z"), 1'714'557'600'000'000'000);
  EXPECT_EQ(parse_rfc3339_ns("2024-05-01T12:00:00.5+02:00"), 1'714'557'600'500'000'000);
  EXPECT_EQ(parse_rfc3339_ns("2024-05-01T10:00:00.1234567891Z"), 1'714'557'600'123'456'789);
  EXPECT_FALSE(parse_rfc3339_ns("2024-05-01 10:00"));
  EXPECT_FALSE(parse_rfc3339_ns("2024-13-01T10:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2024-05-01T10:00:00.Z"));
  EXPECT_FALSE(parse_rfc3339_ns("2024-05-01T10:00:00Zjunk"));
  // The engine's "never" and other times 64-bit nanoseconds cannot hold (found by UBSan: the
  // multiplication overflowed).
  EXPECT_FALSE(parse_rfc3339_ns("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ns("9999-12-31T23:59:59Z"));
  EXPECT_TRUE(parse_rfc3339_ns("1970-01-01T00:00:00Z"));
  for (std::int64_t ns : {std::int64_t{0}, std::int64_t{1'714'557'600'123'456'789},
                          std::int64_t{4'102'444'800'999'999'999}}) {
    EXPECT_EQ(parse_rfc3339_ns(format_rfc3339_ns(ns)), ns);
  }
}

TEST(ProjectEvent, RoundTripsThroughJson) {
  ProjectEvent e;
  e.id = 7;
  e.time_ns = 1'714'557'600'123'456'789;
  e.project = "demo";
  e.type = std::string(event_type::kContainer);
  e.action = "health_status: healthy";
  e.service = "web";
  e.container = "demo-web-1";
  e.container_id = "abc";
  e.attributes = {{"image", "busybox"}};
  nlohmann::json j = e;
  EXPECT_EQ(j["time"], "2024-05-01T10:00:00.123456789Z");
  EXPECT_EQ(j["container_id"], "abc");
  EXPECT_EQ(j.get<ProjectEvent>(), e);
}

} // namespace
} // namespace aic::proto
