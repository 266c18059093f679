#include "supervisor/image_operations.hpp"

#include <gtest/gtest.h>

namespace aic::supervisor {
namespace {

LoadedInputs load(const std::string& compose) {
  proto::ComposeInputs in;
  in.config_files = {"/p/compose.yaml"};
  in.working_dir = "/p";
  in.files["/p/compose.yaml"] = compose;
  Result<LoadedInputs> loaded = load_inputs(in);
  EXPECT_TRUE(loaded) << loaded.error().describe();
  return std::move(*loaded);
}

const std::string kProject = "name: demo\n"
                             "services:\n"
                             "  web: {build: ., image: demo/web}\n"
                             "  db: {image: postgres}\n";

TEST(ImageOperations, BuildRefusesUnknownServicesBeforeAnythingRuns) {
  LoadedInputs project = load(kProject);
  proto::BuildRequest request;
  request.services = {"web", "nope"};
  Result<void> valid = validate_build(project, request);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(valid.error().message(), "no such service: nope");
  request.services = {"db"}; // no build: section, skipped later, not an error
  EXPECT_TRUE(validate_build(project, request));
}

TEST(ImageOperations, PullRefusesUnknownServicesAndPolicies) {
  LoadedInputs project = load(kProject);
  proto::PullRequest request;
  request.services = {"a", "b"};
  Result<void> valid = validate_pull(project, request);
  ASSERT_FALSE(valid);
  EXPECT_EQ(valid.error().details().size(), 2U);
  request.services = {"db"};
  request.policy = "daily";
  valid = validate_pull(project, request);
  ASSERT_FALSE(valid);
  EXPECT_NE(valid.error().message().find("invalid pull policy"), std::string::npos);
  request.policy = "missing";
  EXPECT_TRUE(validate_pull(project, request));
}

} // namespace
} // namespace aic::supervisor
