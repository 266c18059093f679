#include "metrics.hpp"

#include <gtest/gtest.h>

namespace inference {
namespace {

TEST(Histogram, CountsCumulativelyWithAnInfBucket) {
  Histogram h({1, 5, 10});
  for (double v : {0.5, 1.0, 3.0, 7.0, 100.0})
    h.observe(v);
  auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{2, 3, 4, 5})); // le=1 includes 1.0
  EXPECT_EQ(s.count, 5U);
  EXPECT_DOUBLE_EQ(s.sum, 111.5);
}

TEST(Metrics, RendersHistogramsInTheExpositionFormat) {
  Metrics m;
  m.request_done(200, 0.003);
  m.request_done(503, 0.0004);
  const auto text = m.render(0);
  EXPECT_NE(text.find("# TYPE aic_infer_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_request_duration_seconds_bucket{le=\"0.0005\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aic_infer_request_duration_seconds_bucket{le=\"0.005\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("aic_infer_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("aic_infer_request_duration_seconds_count 2\n"), std::string::npos);
  EXPECT_NE(text.find("aic_infer_requests_total{code=\"503\"} 1\n"), std::string::npos);
  // Without a loaded model there is no device or model line.
  EXPECT_EQ(text.find("aic_infer_device_info"), std::string::npos);
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Metrics m;
  m.set_labels({"cpu", "", "1.13", "/models/we\"ird.pt", "abc"});
  EXPECT_NE(m.render(3).find("path=\"/models/we\\\"ird.pt\""), std::string::npos);
  EXPECT_NE(m.render(3).find("aic_infer_queue_depth 3\n"), std::string::npos);
}

} // namespace
} // namespace inference
