#include "../compose/loader_test_support.hpp"
#include "plan/container_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::plan {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string> kGuarded = {"/var/run/docker.sock", "/run/docker.sock"};

TEST(GuardedPath, ABindOfTheSocketOrOfADirectoryAboveItExposesIt) {
  for (const char* source :
       {"/var/run/docker.sock", "/var/run", "/var/run/", "/var", "/", "//", "/var//run/.",
        "/var/lib/../run", "/run", "/run/docker.sock", "/./run"}) {
    EXPECT_TRUE(exposed_guarded_path(source, kGuarded).has_value()) << source;
  }
  for (const char* source : {"/var/run/docker.sock.d", "/var/running", "/run/aic", "/srv",
                             "/var/lib/docker", "/var/run/docker", "relative", ""}) {
    EXPECT_FALSE(exposed_guarded_path(source, kGuarded).has_value()) << source;
  }
  EXPECT_FALSE(exposed_guarded_path("/", {}).has_value()); // nothing guarded: all allowed
  EXPECT_EQ(exposed_guarded_path("/var", kGuarded), std::optional<std::string>(kGuarded[0]));
}

class GuardedMount : public compose::testing::ProjectFixture {
protected:
  Error refusal(const std::string& yaml, std::vector<std::string> guarded = kGuarded) {
    file("compose.yaml", yaml);
    Result<compose::LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << "load failed: " << loaded.error().describe();
      return Error(ErrorCode::Internal, "");
    }
    ContainerContext ctx;
    ctx.project = "p";
    ctx.service = "web";
    ctx.container_name = "p-web-1";
    ctx.network_names = {{"default", "p_default"}};
    ctx.volume_names = {{"host", "p_host"}};
    ctx.guarded_paths = std::move(guarded);
    Result<engine::ContainerCreate> c = container_create(loaded->model, "web", ctx);
    if (c) {
      return Error(ErrorCode::Internal, "created");
    }
    return c.error();
  }

  static std::string text(const Error& e) {
    std::string out = e.message();
    for (const auto& d : e.details()) {
      out += "\n" + d;
    }
    return out;
  }
};

TEST_F(GuardedMount, ShortLongSecretAndVolumeBindsAreRefusedNamingFileLineAndKey) {
  const Error short_form =
      refusal("services:\n  web:\n    image: x\n    volumes: ['/var/run/docker.sock:/s']\n");
  EXPECT_EQ(short_form.code(), ErrorCode::InvalidSpec);
  EXPECT_THAT(text(short_form), HasSubstr("compose.yaml:4:"));
  EXPECT_THAT(text(short_form),
              HasSubstr("services.web.volumes[0].source: bind mount of "
                        "\"/var/run/docker.sock\" is refused: it exposes "
                        "/var/run/docker.sock, which controls the Docker engine"));
  EXPECT_THAT(text(short_form), HasSubstr("--allow-engine-socket-mounts"));

  EXPECT_THAT(text(refusal("services:\n  web:\n    image: x\n    volumes:\n"
                           "      - {type: bind, source: /, target: /host}\n")),
              HasSubstr("services.web.volumes[0].source: bind mount of \"/\" is refused"));
  EXPECT_THAT(text(refusal("services:\n  web:\n    image: x\n    secrets: [s]\n"
                           "secrets:\n  s: {file: /run/docker.sock}\n")),
              HasSubstr("services.web.secrets[0]: bind mount of \"/run/docker.sock\" is refused"));
  EXPECT_THAT(text(refusal("services:\n  web:\n    image: x\n    volumes: ['host:/h']\n"
                           "volumes:\n  host:\n    driver_opts: {type: none, o: bind, "
                           "device: /var/run}\n")),
              HasSubstr("services.web.volumes[0].source: bind mount of \"/var/run\" is refused"));
}

TEST_F(GuardedMount, OtherBindsAndAnEmptyGuardPass) {
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    volumes: ['/srv/data:/d', "
                    "'/var/lib/x:/x']\n")
                .message(),
            "created");
  EXPECT_EQ(refusal("services:\n  web:\n    image: x\n    volumes: ['/:/host']\n", {}).message(),
            "created");
}

} // namespace
} // namespace aic::plan
