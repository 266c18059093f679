// The Prometheus text of GET /metrics: escaping, histogram lines, aicd's own families.

#include "api/daemon_metrics.hpp"
#include "api/metrics.hpp"
#include "api/metrics_routes.hpp"

#include <gtest/gtest.h>

namespace aic::api {
namespace {

using namespace std::chrono_literals;

TEST(Metrics, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\n"
                               "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value("plain-value_1.2"), "plain-value_1.2");
}

TEST(Metrics, ValuesPrintIntegersPlainAndSpecialsAsPrometheusSpellsThem) {
  EXPECT_EQ(format_metric_value(3), "3");
  EXPECT_EQ(format_metric_value(0), "0");
  EXPECT_EQ(format_metric_value(-2), "-2");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(0.005), "0.005");
  EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_metric_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_metric_value(0.0 / 0.0), "NaN");
}

TEST(Metrics, RendersFamiliesSortedWithHelpTypeAndEscapedLabels) {
  CounterFamily requests("b_requests_total", "Requests.\nSecond line with a \\ backslash.",
                         {"route", "code"});
  requests.add({"/v1/projects/{name}", "200"});
  requests.add({"/v1/projects/{name}", "200"}, 2);
  requests.add({"say \"hi\"", "404"});
  MetricFamily up{"a_up", "Up.", "gauge", {{"a_up", {}, 1}}};
  const std::string text = render_prometheus({requests.collect(), up});
  EXPECT_EQ(text, "# HELP a_up Up.\n"
                  "# TYPE a_up gauge\n"
                  "a_up 1\n"
                  "# HELP b_requests_total Requests.\\nSecond line with a \\\\ backslash.\n"
                  "# TYPE b_requests_total counter\n"
                  "b_requests_total{route=\"/v1/projects/{name}\",code=\"200\"} 3\n"
                  "b_requests_total{route=\"say \\\"hi\\\"\",code=\"404\"} 1\n");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
  HistogramFamily latency("op_seconds", "Latency.", {"op"}, {0.5, 1, 10});
  latency.observe({"get"}, 0.25);
  latency.observe({"get"}, 0.5); // on a bound: counted in that bucket (le means <=)
  latency.observe({"get"}, 5);
  latency.observe({"get"}, 100);
  EXPECT_EQ(latency.count({"get"}), 4u);
  EXPECT_EQ(render_prometheus({latency.collect()}), "# HELP op_seconds Latency.\n"
                                                    "# TYPE op_seconds histogram\n"
                                                    "op_seconds_bucket{op=\"get\",le=\"0.5\"} 2\n"
                                                    "op_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
                                                    "op_seconds_bucket{op=\"get\",le=\"10\"} 3\n"
                                                    "op_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
                                                    "op_seconds_sum{op=\"get\"} 105.75\n"
                                                    "op_seconds_count{op=\"get\"} 4\n");
}

TEST(Metrics, SeriesBeyondTheBoundAreNotRecorded) {
  CounterFamily family("x_total", "X.", {"k"});
  for (std::size_t i = 0; i < kMaxSeriesPerFamily + 10; ++i) {
    family.add({std::to_string(i)});
  }
  EXPECT_EQ(family.collect().samples.size(), kMaxSeriesPerFamily);
  EXPECT_EQ(family.value({std::to_string(kMaxSeriesPerFamily + 5)}), 0);
}

TEST(DaemonMetrics, RequestsAreLabelledByRoutePatternAndOddMethodsFoldIntoOther) {
  DaemonMetrics metrics;
  RequestRecord record;
  record.method = "GET";
  record.route = "/v1/projects/{name}";
  record.status = 200;
  record.duration = 30ms;
  metrics.observe_request(record);
  metrics.observe_request(record);
  record.method = "BREW";
  record.route = "";
  record.status = 404;
  metrics.observe_request(record);
  EXPECT_EQ(metrics.api_requests.value({"GET", "/v1/projects/{name}", "200"}), 2);
  EXPECT_EQ(metrics.api_requests.value({"other", "unmatched", "404"}), 1);
  EXPECT_EQ(metrics.api_request_duration.count({"GET", "/v1/projects/{name}"}), 2u);
  const std::string text = render_prometheus(metrics.collect());
  EXPECT_NE(text.find("aic_api_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
                      "projects/{name}\",le=\"0.05\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aic_api_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/"
                      "projects/{name}\",le=\"0.025\"} 0\n"),
            std::string::npos)
      << text;
}

TEST(DaemonMetrics, EngineCallsAreTimedAndFailuresCounted) {
  DaemonMetrics metrics;
  engine::CallRecord ok;
  ok.method = "POST";
  ok.endpoint = "/containers/{id}/start";
  ok.status = 204;
  ok.duration = 2ms;
  metrics.observe_engine_call(ok);
  engine::CallRecord lost = ok;
  lost.status = 0;
  metrics.observe_engine_call(lost);
  engine::CallRecord conflict = ok;
  conflict.status = 409;
  metrics.observe_engine_call(conflict);
  EXPECT_EQ(metrics.engine_call_duration.count({"POST", "/containers/{id}/start"}), 3u);
  EXPECT_EQ(metrics.engine_call_errors.value({"POST", "/containers/{id}/start", "none"}), 1);
  EXPECT_EQ(metrics.engine_call_errors.value({"POST", "/containers/{id}/start", "409"}), 1);
  EXPECT_EQ(metrics.engine_call_errors.value({"POST", "/containers/{id}/start", "204"}), 0);
}

TEST(DaemonMetrics, OpenStreamsIsReadAtCollection) {
  DaemonMetrics metrics;
  std::size_t streams = 3;
  metrics.open_streams = [&streams] { return streams; };
  EXPECT_NE(render_prometheus(metrics.collect()).find("\naic_open_streams 3\n"), std::string::npos);
  streams = 1;
  EXPECT_NE(render_prometheus(metrics.collect()).find("\naic_open_streams 1\n"), std::string::npos);
}

TEST(ContainerFamilies, CountContainersByProjectServiceStateAndHealth) {
  proto::ProjectStatus demo;
  demo.name = "demo";
  proto::ContainerStatus web;
  web.service = "web";
  web.state = "running";
  web.health = "healthy";
  proto::ContainerStatus db;
  db.service = "db";
  db.state = "exited";
  demo.containers = {web, web, db};
  proto::ProjectStatus other;
  other.name = "other";
  other.containers = {db};
  const std::string text = render_prometheus(container_families({demo, other}));
  EXPECT_NE(text.find("\naic_projects 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("aic_containers{project=\"demo\",service=\"web\",state=\"running\","
                      "health=\"healthy\"} 2\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("aic_containers{project=\"demo\",service=\"db\",state=\"exited\","
                      "health=\"none\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE aic_containers gauge\n"), std::string::npos) << text;
}

TEST(EndpointPattern, ReplacesIdsAndNamesButKeepsTheAction) {
  EXPECT_EQ(engine::endpoint_pattern("/containers/abc123/start"), "/containers/{id}/start");
  EXPECT_EQ(engine::endpoint_pattern("/containers/abc123/stop?t=10"), "/containers/{id}/stop");
  EXPECT_EQ(engine::endpoint_pattern("/containers/json?all=1&filters=x"), "/containers/json");
  EXPECT_EQ(engine::endpoint_pattern("/containers/create?name=demo-web-1"), "/containers/create");
  EXPECT_EQ(engine::endpoint_pattern("/containers/abc123?force=1"), "/containers/{id}");
  EXPECT_EQ(engine::endpoint_pattern("/images/library/busybox:1/json"), "/images/{id}/json");
  EXPECT_EQ(engine::endpoint_pattern("/images/library/busybox"), "/images/{id}");
  EXPECT_EQ(engine::endpoint_pattern("/networks/demo_default"), "/networks/{id}");
  EXPECT_EQ(engine::endpoint_pattern("/exec/e1/json"), "/exec/{id}/json");
  EXPECT_EQ(engine::endpoint_pattern("/info"), "/info");
  EXPECT_EQ(engine::endpoint_pattern("/"), "/");
}

} // namespace
} // namespace aic::api
