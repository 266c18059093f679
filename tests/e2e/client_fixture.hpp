#pragma once

// A DockerClient on the host engine for e2e tests, with a synchronous `run` that drives one
// coroutine to completion, and a ProjectCleanup for the test's own project.

#include "engine/docker_client.hpp"
#include "engine_fixture.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <string>

namespace aic::e2e {

/// Runs one coroutine on `io` until it completes and returns its value; an exception escaping the
/// coroutine is rethrown here.
template <typename T>
T run_on(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  std::optional<T> out;
  std::exception_ptr failure;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out.emplace(co_await std::move(op)); },
      [&](std::exception_ptr e) { failure = e; });
  io.restart();
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return std::move(*out);
}

class ClientTest : public EngineTest {
protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    project_ = unique_project(std::string(info->test_suite_name()) + "-" + info->name());
    cleanup_ = std::make_unique<ProjectCleanup>(project_);
    engine::ClientOptions options;
    options.address.path = engine_socket();
    options.call_deadline = std::chrono::seconds(30);
    options.long_call_deadline = std::chrono::seconds(120);
    client_ = std::make_unique<engine::DockerClient>(io_.get_executor(), std::move(options));
  }

  void TearDown() override {
    client_.reset();
    cleanup_.reset();
  }

  /// Runs one coroutine on the test's io_context until it completes and returns its value.
  template <typename T>
  T run(boost::asio::awaitable<T> op) {
    return run_on(io_, std::move(op));
  }

  /// The Compose project label of this test, for what it creates.
  std::map<std::string, std::string> project_labels() const {
    return {{std::string(kProjectLabel), project_}};
  }

  /// A container (of the test image unless another is named) with the project label, created
  /// but not started.
  std::string create(engine::ContainerCreate create) {
    if (create.image.empty()) {
      create.image = std::string(kTestImage);
    }
    create.labels[std::string(kProjectLabel)] = project_;
    auto created = run(client_->create_container(create));
    EXPECT_TRUE(created) << created.error().describe();
    return created ? created->id : std::string();
  }

  /// Everything a stream gives until its end, split by stream kind.
  struct Collected {
    std::string out;
    std::string err;
  };
  Collected collect(engine::ContainerStream& stream) {
    Collected out;
    for (;;) {
      auto chunks = run(stream.read(std::chrono::seconds(20)));
      EXPECT_TRUE(chunks) << chunks.error().describe();
      if (!chunks || !chunks->has_value()) {
        return out;
      }
      for (const auto& chunk : **chunks) {
        (chunk.stream == engine::StreamKind::Stderr ? out.err : out.out) += chunk.data;
      }
    }
  }

  boost::asio::io_context io_;
  std::string project_;
  std::unique_ptr<ProjectCleanup> cleanup_;
  std::unique_ptr<engine::DockerClient> client_;
};

} // namespace aic::e2e
