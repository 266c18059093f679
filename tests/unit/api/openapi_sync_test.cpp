// proto/openapi.yaml describes exactly the routes aicd registers: same paths, same methods.

#include "api/v1_routes.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <gtest/gtest.h>
#include <set>
#include <yaml-cpp/yaml.h>

namespace aic::api {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

TEST(OpenApi, DescribesExactlyTheRoutesAicdServes) {
  boost::asio::io_context io;
  boost::asio::thread_pool pool(1);
  engine::ClientOptions options;
  options.address = engine::EngineAddress{};
  engine::DockerClient docker(io.get_executor(), options);
  supervisor::ProjectOperations operations(io.get_executor(), docker);
  store::ProjectStore store("/nonexistent");
  DaemonContext ctx{.executor = io.get_executor(),
                    .docker = docker,
                    .operations = operations,
                    .store = store,
                    .blocking = pool,
                    .log = [](std::string_view, std::string_view) {}};
  Router router;
  add_v1_routes(router, ctx);
  std::set<std::string> served;
  for (const auto& [verb, pattern] : router.routes()) {
    served.insert(lower(std::string(boost::beast::http::to_string(verb))) + " " + pattern);
  }

  YAML::Node doc = YAML::LoadFile(std::string(AIC_SOURCE_DIR) + "/proto/openapi.yaml");
  std::set<std::string> documented;
  for (const auto& path : doc["paths"]) {
    for (const auto& op : path.second) {
      std::string method = op.first.as<std::string>();
      if (method == "parameters") {
        continue;
      }
      documented.insert(method + " " + path.first.as<std::string>());
    }
  }
  EXPECT_EQ(served, documented);
  EXPECT_GE(served.size(), 6u);
  pool.join();
}

} // namespace
} // namespace aic::api
