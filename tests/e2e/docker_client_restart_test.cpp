// The client against an engine that goes away and comes back: a private dockerd in its own
// network namespace, restarted under the client's feet.

#include "client_fixture.hpp"
#include "netns_engine.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

namespace aic::e2e {
namespace {

using namespace aic::engine;
namespace asio = boost::asio;

class ClientRestart : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0 && !e2e_required()) {
      GTEST_SKIP() << "a private engine needs root";
    }
  }

  template <typename T>
  T run(asio::awaitable<T> op) {
    return run_on(io_, std::move(op));
  }

  asio::io_context io_;
};

TEST_F(ClientRestart, EventStreamReconnectsAcrossAnEngineRestartWithoutLossOrRepeat) {
  NetnsEngine engine;
  ASSERT_TRUE(engine.start());
  ASSERT_TRUE(engine.load_image());
  ClientOptions options;
  options.address.path = engine.socket_path();
  DockerClient client(io_.get_executor(), options);

  auto events = client.events({.types = {"container"}, .events = {"create"}});
  ContainerCreate first{.name = "before-restart", .image = std::string(kTestImage)};
  ASSERT_TRUE(run(client.create_container(first)));
  auto seen_first = run(events->next());
  ASSERT_TRUE(seen_first) << seen_first.error().describe();
  EXPECT_EQ(seen_first->attributes.at("name"), "before-restart");

  ASSERT_TRUE(engine.stop());
  auto down = run(client.ping());
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), ErrorCode::EngineUnavailable);
  ASSERT_TRUE(engine.start());

  // The pooled connections died with the engine; the client must notice and carry on.
  ContainerCreate second{.name = "after-restart", .image = std::string(kTestImage)};
  ASSERT_TRUE(run(client.create_container(second)));
  auto seen_second = run(events->next());
  ASSERT_TRUE(seen_second) << seen_second.error().describe();
  EXPECT_EQ(seen_second->attributes.at("name"), "after-restart");
  EXPECT_EQ(events->connections(), 2);
}

} // namespace
} // namespace aic::e2e
