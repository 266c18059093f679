#include "engine_fixture.hpp"

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // gtest owns and deletes the environment.
  ::testing::AddGlobalTestEnvironment(new aic::e2e::EngineEnvironment);
  return RUN_ALL_TESTS();
}
