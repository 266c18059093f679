// The seed's compose files (tests/fixtures/seed, copied from shared/seed) are what users already
// run with docker compose; their canonical form is checked field by field.
#include "compose/loader.hpp"
#include "compose/model_json.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace aic::compose {
namespace {

using Json = nlohmann::json;
using ::testing::ElementsAre;

const std::string kSeedDir = std::string(AIC_FIXTURES_DIR) + "/seed";

class Seed : public ::testing::Test {
protected:
  Json load(std::vector<std::string> files) {
    LoadOptions options;
    options.files = std::move(files);
    options.working_dir = kSeedDir;
    options.environment = {{"HOME", "/root"}};
    Result<LoadedProject> loaded = load_project(options, disk_);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().describe();
      return Json::object();
    }
    warnings_ = loaded->warnings;
    return to_json(loaded->model);
  }

  static Json bind(const std::string& source, const std::string& target, bool read_only) {
    Json v = {{"type", "bind"},
              {"source", kSeedDir + "/" + source},
              {"target", target},
              {"bind", {{"create_host_path", true}}}};
    if (read_only) {
      v["read_only"] = true;
    }
    return v;
  }

  static Json named(const std::string& source, const std::string& target) {
    return {{"type", "volume"}, {"source", source}, {"target", target}, {"volume", Json::object()}};
  }

  static Json port(int n) {
    return {
        {"mode", "ingress"}, {"target", n}, {"published", std::to_string(n)}, {"protocol", "tcp"}};
  }

  static Json started() { return {{"condition", "service_started"}, {"required", true}}; }

  DiskFileSource disk_;
  std::vector<std::string> warnings_;
};

TEST_F(Seed, MainStackLoadsWithEveryFieldCanonical) {
  Json m = load({"docker-compose.yml"});
  EXPECT_EQ(m["name"], "seed");
  EXPECT_EQ(m["networks"],
            (Json{{"ai-network", {{"driver", "bridge"}, {"name", "seed_ai-network"}}}}));
  EXPECT_EQ(m["volumes"], (Json{{"grafana-data", {{"name", "seed_grafana-data"}}},
                                {"postgres-data", {{"name", "seed_postgres-data"}}},
                                {"prometheus-data", {{"name", "seed_prometheus-data"}}},
                                {"redis-data", {{"name", "seed_redis-data"}}}}));
  ASSERT_EQ(m["services"].size(), 6u);
  const Json net = {{"ai-network", nullptr}};

  Json api = {
      {"build", {{"context", kSeedDir}, {"dockerfile", "Dockerfile"}}},
      {"image", "ai-api:latest"},
      {"container_name", "ai-api"},
      {"restart", "unless-stopped"},
      {"ports", Json::array({port(8000)})},
      {"environment",
       {{"DATABASE_URL", "postgresql://user:pass@postgres:5432/aidb"},
        {"REDIS_URL", "redis://redis:6379/0"},
        {"MODEL_PATH", "/models"}}},
      {"volumes", Json::array({bind("models", "/models", true), bind("logs", "/app/logs", false)})},
      {"depends_on", {{"postgres", started()}, {"redis", started()}}},
      {"networks", net},
      {"healthcheck",
       {{"test", {"CMD", "curl", "-f", "http://localhost:8000/health"}},
        {"interval", "30s"},
        {"timeout", "10s"},
        {"retries", 3},
        {"start_period", "40s"}}}};
  EXPECT_EQ(m["services"]["api"], api);

  Json postgres = {
      {"image", "postgres:15-alpine"},
      {"container_name", "ai-postgres"},
      {"restart", "unless-stopped"},
      {"environment",
       {{"POSTGRES_USER", "user"}, {"POSTGRES_PASSWORD", "pass"}, {"POSTGRES_DB", "aidb"}}},
      {"volumes", Json::array({named("postgres-data", "/var/lib/postgresql/data"),
                               bind("init.sql", "/docker-entrypoint-initdb.d/init.sql", false)})},
      {"networks", net},
      {"healthcheck",
       {{"test", {"CMD-SHELL", "pg_isready -U user"}},
        {"interval", "10s"},
        {"timeout", "5s"},
        {"retries", 5}}}};
  EXPECT_EQ(m["services"]["postgres"], postgres);

  Json redis = {{"image", "redis:7-alpine"},
                {"container_name", "ai-redis"},
                {"restart", "unless-stopped"},
                {"command", {"redis-server", "--appendonly", "yes"}},
                {"volumes", Json::array({named("redis-data", "/data")})},
                {"networks", net},
                {"healthcheck",
                 {{"test", {"CMD", "redis-cli", "ping"}},
                  {"interval", "10s"},
                  {"timeout", "3s"},
                  {"retries", 3}}}};
  EXPECT_EQ(m["services"]["redis"], redis);

  Json nginx = {{"image", "nginx:alpine"},
                {"container_name", "ai-nginx"},
                {"restart", "unless-stopped"},
                {"ports", Json::array({port(80), port(443)})},
                {"volumes", Json::array({bind("nginx.conf", "/etc/nginx/nginx.conf", true),
                                         bind("ssl", "/etc/nginx/ssl", true)})},
                {"depends_on", {{"api", started()}}},
                {"networks", net}};
  EXPECT_EQ(m["services"]["nginx"], nginx);

  Json prometheus = {
      {"image", "prom/prometheus:latest"},
      {"container_name", "ai-prometheus"},
      {"restart", "unless-stopped"},
      {"ports", Json::array({port(9090)})},
      {"volumes", Json::array({bind("prometheus.yml", "/etc/prometheus/prometheus.yml", true),
                               named("prometheus-data", "/prometheus")})},
      {"networks", net}};
  EXPECT_EQ(m["services"]["prometheus"], prometheus);

  Json grafana = {{"image", "grafana/grafana:latest"},
                  {"container_name", "ai-grafana"},
                  {"restart", "unless-stopped"},
                  {"ports", Json::array({port(3000)})},
                  {"environment", {{"GF_SECURITY_ADMIN_PASSWORD", "admin"}}},
                  {"volumes", Json::array({named("grafana-data", "/var/lib/grafana")})},
                  {"depends_on", {{"prometheus", started()}}},
                  {"networks", net}};
  EXPECT_EQ(m["services"]["grafana"], grafana);

  EXPECT_THAT(warnings_, ElementsAre("docker-compose.yml:2:1: version: the attribute `version` is "
                                     "obsolete, it will be ignored, please remove it to avoid "
                                     "potential confusion"));
}

TEST_F(Seed, GpuFileAloneReservesOneNvidiaGpu) {
  Json m = load({"docker-compose.gpu.yml"});
  ASSERT_EQ(m["services"].size(), 1u);
  Json gpu = {
      {"build", {{"context", kSeedDir}, {"dockerfile", "Dockerfile.gpu"}}},
      {"image", "ai-api-gpu:latest"},
      {"container_name", "ai-api-gpu"},
      {"restart", "unless-stopped"},
      {"deploy",
       {{"resources",
         {{"reservations",
           {{"devices",
             Json::array({{{"driver", "nvidia"}, {"count", 1}, {"capabilities", {"gpu"}}}})}}}}}}},
      {"environment", {{"NVIDIA_VISIBLE_DEVICES", "0"}, {"CUDA_VISIBLE_DEVICES", "0"}}},
      {"volumes", Json::array({bind("models", "/models", true)})},
      {"ports", Json::array({port(8000)})},
      {"networks", {{"ai-network", nullptr}}}};
  EXPECT_EQ(m["services"]["ai-gpu"], gpu);
  EXPECT_EQ(m["networks"]["ai-network"]["name"], "seed_ai-network");
}

TEST_F(Seed, DevFileSplitsTheFoldedCommandAndKeepsTheBuildTarget) {
  Json dev = load({"docker-compose.dev.yml"})["services"]["api-dev"];
  EXPECT_EQ(dev["build"],
            (Json{{"context", kSeedDir}, {"dockerfile", "Dockerfile"}, {"target", "builder"}}));
  EXPECT_EQ(dev["command"], (Json{"uvicorn", "app.main:app", "--host", "0.0.0.0", "--reload",
                                  "--reload-dir", "/app/app"}));
  // Compose drops the short syntax's consistency option (`:delegated`); aic warns about it.
  EXPECT_EQ(dev["volumes"],
            Json::array({bind("app", "/app/app", false), bind("models", "/models", true)}));
  EXPECT_THAT(warnings_, ::testing::Contains(::testing::HasSubstr(
                             "services.api-dev.volumes[0]: ignored volume option \"delegated\"")));
  EXPECT_EQ(dev["ports"], Json::array({port(8000), port(5678)}));
  EXPECT_EQ(dev["environment"], (Json{{"DEBUG", "true"}, {"RELOAD", "true"}}));
  EXPECT_EQ(dev["container_name"], "ai-api-dev");
}

TEST_F(Seed, MainAndGpuFilesMergeIntoOneProject) {
  Json m = load({"docker-compose.yml", "docker-compose.gpu.yml"});
  std::vector<std::string> names;
  for (const auto& [name, svc] : m["services"].items()) {
    names.push_back(name);
  }
  EXPECT_THAT(names,
              ElementsAre("ai-gpu", "api", "grafana", "nginx", "postgres", "prometheus", "redis"));
  EXPECT_EQ(m["services"]["ai-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]["count"],
            1);
  EXPECT_EQ(warnings_.size(), 2u);
  EXPECT_EQ(m["services"]["api"], load({"docker-compose.yml"})["services"]["api"]);
  EXPECT_EQ(m["networks"].size(), 1u);
}

} // namespace
} // namespace aic::compose
