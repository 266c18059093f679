#include "loader_test_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aic::compose {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ProjectFixture;
using Json = nlohmann::json;

class Loader : public ProjectFixture {};

// --- YAML features --------------------------------------------------------------------------

TEST_F(Loader, AppliesMergeKeysWithExplicitKeysWinning) {
  file("compose.yaml", R"(
x-base: &base
  image: busybox
  restart: always
services:
  web:
    <<: *base
    restart: "no"
)");
  Json m = model();
  EXPECT_EQ(m["services"]["web"]["image"], "busybox");
  EXPECT_EQ(m["services"]["web"]["restart"], "no");
}

TEST_F(Loader, MergeKeyListGivesPrecedenceToTheEarlierMap) {
  file("compose.yaml", R"(
x-a: &a {image: first, user: alice}
x-b: &b {image: second, working_dir: /b}
services:
  web:
    <<: [*a, *b]
)");
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["image"], "first");
  EXPECT_EQ(web["user"], "alice");
  EXPECT_EQ(web["working_dir"], "/b");
}

TEST_F(Loader, KeepsExtensionFieldsAtTheTopAndInServices) {
  file("compose.yaml", R"(
x-owner: team-ml
services:
  web:
    image: busybox
    x-aic: {gpu: {memory: 12GiB}}
)");
  Json m = model();
  EXPECT_EQ(m["x-owner"], "team-ml");
  EXPECT_EQ(m["services"]["web"]["x-aic"]["gpu"]["memory"], "12GiB");
}

TEST_F(Loader, RejectsAnAliasBombQuickly) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char level = 'b'; level <= 'j'; ++level) {
    char prev = static_cast<char>(level - 1);
    bomb += std::string(1, level) + ": &" + level + " [*" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" +
            prev + ", *" + prev + "]\n";
  }
  bomb += "services:\n  web:\n    image: busybox\n    x-bomb: *j\n";
  file("compose.yaml", bomb);
  EXPECT_THAT(errors().front(), HasSubstr("expands to more than 250000 nodes"));
}

// --- interpolation and environment ----------------------------------------------------------

TEST_F(Loader, OsEnvironmentBeatsDotEnv) {
  file(".env", "TAG=from-dotenv\nOTHER=dotenv-only\n");
  file("compose.yaml", "services:\n  web:\n    image: app:${TAG}\n    user: ${OTHER}\n");
  options.environment["TAG"] = "from-os";
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["image"], "app:from-os");
  EXPECT_EQ(web["user"], "dotenv-only");
}

TEST_F(Loader, EnvFileFlagsReplaceDotEnvAndLaterFilesWin) {
  file(".env", "TAG=dotenv\n");
  file("one.env", "TAG=one\nUSER_NAME=one\n");
  file("two.env", "TAG=two\n");
  file("compose.yaml", "services:\n  web:\n    image: app:${TAG}\n    user: ${USER_NAME}\n");
  options.env_files = {"one.env", "two.env"};
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["image"], "app:two");
  EXPECT_EQ(web["user"], "one");
}

TEST_F(Loader, DisablingTheEnvFileIgnoresDotEnv) {
  file(".env", "TAG=dotenv\n");
  file("compose.yaml", "services:\n  web:\n    image: app:${TAG:-none}\n");
  options.environment["COMPOSE_DISABLE_ENV_FILE"] = "1";
  EXPECT_EQ(model()["services"]["web"]["image"], "app:none");
}

TEST_F(Loader, InterpolatesEachFileBeforeMerging) {
  file("compose.yaml", "services:\n  web:\n    image: busybox\n    command: echo $$HOME\n");
  file("override.yaml", "services:\n  web:\n    environment:\n      PRICE: $$5\n");
  options.files = {"compose.yaml", "override.yaml"};
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["command"], Json::array({"echo", "$HOME"}));
  EXPECT_EQ(web["environment"]["PRICE"], "$5");
}

TEST_F(Loader, RetypesPlainScalarsAfterInterpolationButNotQuotedOnes) {
  file("compose.yaml", R"(
services:
  web:
    image: busybox
    scale: ${REPLICAS}
    tty: ${TTY}
    working_dir: "${NUMBER}"
)");
  options.environment["REPLICAS"] = "2";
  options.environment["TTY"] = "true";
  options.environment["NUMBER"] = "42";
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["scale"], 2);
  EXPECT_EQ(web["tty"], true);
  EXPECT_EQ(web["working_dir"], "42");
}

TEST_F(Loader, DoesNotInterpolateKeys) {
  file("compose.yaml", "services:\n  web:\n    image: busybox\n    labels:\n      $KEY: v\n");
  options.environment["KEY"] = "resolved";
  EXPECT_TRUE(model()["services"]["web"]["labels"].contains("$KEY"));
}

TEST_F(Loader, NoInterpolateLeavesVariablesAsWritten) {
  file("compose.yaml", "services:\n  web:\n    image: app:${TAG}\n    ports: [\"${P}:80\"]\n");
  options.interpolate = false;
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["image"], "app:${TAG}");
  EXPECT_EQ(web["ports"][0], "${P}:80");
}

TEST_F(Loader, WarnsAboutUnsetVariables) {
  file("compose.yaml", "services:\n  web:\n    image: app:${MISSING}\n");
  Result<LoadedProject> p = load();
  ASSERT_TRUE(p);
  EXPECT_THAT(p->warnings,
              ElementsAre("compose.yaml:3:12: services.web.image: the \"MISSING\" variable is not "
                          "set, defaulting to a blank string"));
  EXPECT_EQ(to_json(p->model)["services"]["web"]["image"], "app:");
}

TEST_F(Loader, KeepsOnlyReferencedVariablesOfTheEnvironment) {
  file("compose.yaml", "services:\n  web:\n    image: app:${TAG}\n    environment: [FROM_SHELL]\n");
  options.environment["TAG"] = "1";
  options.environment["FROM_SHELL"] = "x";
  options.environment["SECRET_TOKEN"] = "never-stored";
  Result<LoadedProject> p = load();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->environment,
            (std::map<std::string, std::string>{{"FROM_SHELL", "x"}, {"TAG", "1"}}));
}

TEST_F(Loader, ResolvesBareEnvironmentKeysFromTheProjectEnvironment) {
  file(".env", "FROM_DOTENV=d\n");
  file("compose.yaml", "services:\n  web:\n    image: b\n    environment: [FROM_DOTENV, UNSET]\n");
  Json env = model()["services"]["web"]["environment"];
  EXPECT_EQ(env["FROM_DOTENV"], "d");
  EXPECT_TRUE(env["UNSET"].is_null());
}

TEST_F(Loader, FoldsServiceEnvFilesUnderExplicitEnvironment) {
  file("web.env", "A=from-file\nB=from-file\n");
  file("compose.yaml", R"(
services:
  web:
    image: b
    env_file:
      - web.env
      - path: optional.env
        required: false
    environment:
      B: explicit
)");
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["environment"]["A"], "from-file");
  EXPECT_EQ(web["environment"]["B"], "explicit");
  EXPECT_FALSE(web.contains("env_file"));
}

// --- files, names, discovery ----------------------------------------------------------------

TEST_F(Loader, DiscoversComposeFileAndOverrideInAParentDirectory) {
  file("/work/compose.yaml", "services:\n  web:\n    image: base\n");
  file("/work/compose.override.yaml", "services:\n  web:\n    image: overridden\n");
  options.working_dir = "/work/sub/dir";
  Result<LoadedProject> p = load();
  ASSERT_TRUE(p) << p.error().describe();
  EXPECT_EQ(p->name, "work");
  EXPECT_EQ(p->working_dir, "/work");
  EXPECT_THAT(p->config_files, ElementsAre("/work/compose.yaml", "/work/compose.override.yaml"));
  EXPECT_EQ(to_json(p->model)["services"]["web"]["image"], "overridden");
}

TEST_F(Loader, PrefersComposeYamlOverDockerComposeYml) {
  file("compose.yaml", "services:\n  a:\n    image: a\n");
  file("docker-compose.yml", "services:\n  b:\n    image: b\n");
  EXPECT_TRUE(model()["services"].contains("a"));
}

TEST_F(Loader, ReadsComposeFileFromDotEnvWithItsSeparator) {
  file(".env", "COMPOSE_FILE=one.yaml;two.yaml\nCOMPOSE_PATH_SEPARATOR=;\n");
  file("one.yaml", "services:\n  web:\n    image: one\n");
  file("two.yaml", "services:\n  web:\n    user: two\n");
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["image"], "one");
  EXPECT_EQ(web["user"], "two");
}

TEST_F(Loader, ReportsWhenNoComposeFileExists) {
  EXPECT_THAT(errors().front(), HasSubstr("no configuration file provided: not found"));
}

TEST_F(Loader, ProjectNamePrecedenceIsFlagThenEnvThenNameThenDirectory) {
  file("compose.yaml", "name: From-File\nservices:\n  web:\n    image: b\n");
  Result<LoadedProject> p = load();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "from-file");
  options.environment["COMPOSE_PROJECT_NAME"] = "from-env";
  EXPECT_EQ(load()->name, "from-env");
  options.project_name = "from-flag";
  EXPECT_EQ(load()->name, "from-flag");
}

TEST_F(Loader, NormalizesTheDirectoryNameIntoAProjectName) {
  file("/My Project!/compose.yaml", "services:\n  web:\n    image: b\n");
  options.working_dir = "/My Project!";
  EXPECT_EQ(load()->name, "myproject");
}

TEST_F(Loader, RejectsAnUnnormalizedProjectNameFromTheFlag) {
  file("compose.yaml", "services:\n  web:\n    image: b\n");
  options.project_name = "My_App";
  EXPECT_THAT(errors().front(), HasSubstr("invalid project name \"My_App\" from -p"));
}

TEST_F(Loader, ExposesTheProjectNameToInterpolation) {
  file("compose.yaml",
       "services:\n  web:\n    image: b\n    hostname: ${COMPOSE_PROJECT_NAME}-web\n");
  options.project_name = "demo";
  EXPECT_EQ(model()["services"]["web"]["hostname"], "demo-web");
}

TEST_F(Loader, WarnsThatVersionIsObsoleteAndDropsIt) {
  file("compose.yaml", "version: '3.8'\nservices:\n  web:\n    image: b\n");
  Result<LoadedProject> p = load();
  ASSERT_TRUE(p);
  ASSERT_EQ(p->warnings.size(), 1u);
  EXPECT_THAT(p->warnings[0],
              HasSubstr("compose.yaml:1:1: version: the attribute `version` is obsolete"));
  EXPECT_FALSE(to_json(p->model).contains("version"));
}

// --- merge of several files -----------------------------------------------------------------

class Merge : public ProjectFixture {
protected:
  Json merged(const std::string& base, const std::string& over) {
    file("base.yaml", base);
    file("over.yaml", over);
    options.files = {"base.yaml", "over.yaml"};
    return model()["services"]["web"];
  }
};

TEST_F(Merge, OverridesScalarsAndMergesMappingsPerKey) {
  Json web = merged("services:\n  web:\n    image: a\n    environment: [A=1, B=1]\n",
                    "services:\n  web:\n    image: b\n    environment: {B: 2, C: 3}\n");
  EXPECT_EQ(web["image"], "b");
  EXPECT_EQ(web["environment"], (Json{{"A", "1"}, {"B", "2"}, {"C", "3"}}));
}

TEST_F(Merge, ReplacesCommandEntrypointAndHealthcheckTest) {
  Json web = merged(R"(
services:
  web:
    image: a
    command: [a, b]
    entrypoint: [sh, -c]
    healthcheck: {test: [CMD, a], interval: 5s}
)",
                    R"(
services:
  web:
    command: c
    entrypoint: [bash]
    healthcheck: {test: [CMD, b]}
)");
  EXPECT_EQ(web["command"], Json::array({"c"}));
  EXPECT_EQ(web["entrypoint"], Json::array({"bash"}));
  EXPECT_EQ(web["healthcheck"]["test"], Json::array({"CMD", "b"}));
  EXPECT_EQ(web["healthcheck"]["interval"], "5s");
}

TEST_F(Merge, KeepsPortsUniqueAndAppendsNewOnes) {
  Json web = merged("services:\n  web:\n    image: a\n    ports: ['8080:80', '443']\n",
                    "services:\n  web:\n    ports: ['8080:80', '9090:90']\n");
  ASSERT_EQ(web["ports"].size(), 3u);
  EXPECT_EQ(web["ports"][0]["published"], "8080");
  EXPECT_EQ(web["ports"][1]["target"], 443);
  EXPECT_EQ(web["ports"][2]["published"], "9090");
}

TEST_F(Merge, MakesVolumesUniqueByTargetWithTheLaterWinning) {
  Json web = merged("services:\n  web:\n    image: a\n    volumes: ['./a:/data', '/cache']\n",
                    "services:\n  web:\n    volumes: ['./b:/data:ro']\n");
  ASSERT_EQ(web["volumes"].size(), 2u);
  EXPECT_EQ(web["volumes"][0]["source"], "/p/b");
  EXPECT_EQ(web["volumes"][0]["read_only"], true);
}

TEST_F(Merge, AppendsOtherSequencesWithoutDuplicates) {
  Json web =
      merged("services:\n  web:\n    image: a\n    dns: [1.1.1.1]\n    cap_add: [NET_ADMIN]\n",
             "services:\n  web:\n    dns: 8.8.8.8\n    cap_add: [NET_ADMIN, SYS_TIME]\n");
  EXPECT_EQ(web["dns"], Json::array({"1.1.1.1", "8.8.8.8"}));
  EXPECT_EQ(web["cap_add"], Json::array({"NET_ADMIN", "SYS_TIME"}));
}

TEST_F(Merge, ResetRemovesAValueAndOverrideReplacesIt) {
  Json web = merged(R"(
services:
  web:
    image: a
    ports: ['8080:80']
    environment: {FOO: bar, KEEP: yes}
    volumes: ['./x:/x']
)",
                    R"(
services:
  web:
    ports: !reset []
    environment:
      FOO: !reset null
    volumes: !override ['./y:/y']
)");
  EXPECT_FALSE(web.contains("ports"));
  EXPECT_EQ(web["environment"], (Json{{"KEEP", "yes"}}));
  ASSERT_EQ(web["volumes"].size(), 1u);
  EXPECT_EQ(web["volumes"][0]["target"], "/y");
}

TEST_F(Merge, MergesDependsOnFromShortAndLongSyntax) {
  Json web = merged(R"(
services:
  web: {image: a, depends_on: [db]}
  db: {image: d}
  cache: {image: c}
)",
                    R"(
services:
  web:
    depends_on:
      cache: {condition: service_healthy}
  cache:
    healthcheck: {test: exit 0}
)");
  EXPECT_EQ(web["depends_on"]["db"]["condition"], "service_started");
  EXPECT_EQ(web["depends_on"]["cache"]["condition"], "service_healthy");
}

TEST_F(Merge, RelativePathsInLaterFilesResolveAgainstTheProjectDirectory) {
  file("base.yaml", "services:\n  web:\n    image: a\n");
  file("sub/over.yaml", "services:\n  web:\n    build: ./ctx\n");
  options.files = {"base.yaml", "sub/over.yaml"};
  EXPECT_EQ(model()["services"]["web"]["build"]["context"], "/p/ctx");
}

// --- profiles -------------------------------------------------------------------------------

class Profiles : public ProjectFixture {
protected:
  void SetUp() override {
    file("compose.yaml", R"(
services:
  app: {image: app}
  debug: {image: dbg, profiles: [debug]}
  migrate: {image: m, profiles: [tools], depends_on: [db]}
  db: {image: db, profiles: [tools]}
)");
  }
  std::vector<std::string> services() {
    std::vector<std::string> out;
    const Json m = model();
    for (const auto& [k, v] : m["services"].items()) {
      out.push_back(k);
    }
    return out;
  }
};

TEST_F(Profiles, DisablesServicesWhoseProfilesAreInactive) {
  EXPECT_THAT(services(), ElementsAre("app"));
  EXPECT_THAT(load()->disabled_services, ElementsAre("db", "debug", "migrate"));
}

TEST_F(Profiles, EnablesProfilesFromTheFlagOrTheEnvironment) {
  options.profiles = {"debug"};
  EXPECT_THAT(services(), ElementsAre("app", "debug"));
  options.profiles.clear();
  options.environment["COMPOSE_PROFILES"] = "tools,debug";
  EXPECT_THAT(services(), ElementsAre("app", "db", "debug", "migrate"));
}

TEST_F(Profiles, StarEnablesEveryProfile) {
  options.profiles = {"*"};
  EXPECT_EQ(services().size(), 4u);
}

TEST_F(Profiles, NamingAServiceEnablesItsProfilesAndSelectsItsDependencies) {
  options.services = {"migrate"};
  EXPECT_THAT(services(), ElementsAre("db", "migrate"));
}

TEST_F(Profiles, ADependencyOnADisabledServiceIsAnError) {
  file("compose.yaml", R"(
services:
  app: {image: app, depends_on: [db]}
  db: {image: db, profiles: [tools]}
)");
  EXPECT_THAT(errors(), ElementsAre("compose.yaml:3:34: services.app.depends_on.db: service \"db\" "
                                    "is required by \"app\" but is disabled. Can be enabled by "
                                    "profiles [tools]"));
}

TEST_F(Profiles, AnOptionalDependencyOnADisabledServiceIsDropped) {
  file("compose.yaml", R"(
services:
  app:
    image: app
    depends_on:
      db: {condition: service_started, required: false}
  db: {image: db, profiles: [tools]}
)");
  EXPECT_FALSE(model()["services"]["app"].contains("depends_on") &&
               model()["services"]["app"]["depends_on"].contains("db"));
}

// --- extends and include --------------------------------------------------------------------

TEST_F(Loader, ExtendsAServiceInTheSameFile) {
  file("compose.yaml", R"(
services:
  common:
    image: busybox
    environment: {TZ: utc, PORT: "80"}
    volumes: ['/data']
  cli:
    extends: common
    environment: {PORT: "8080"}
    volumes: ['/cache']
)");
  Json cli = model()["services"]["cli"];
  EXPECT_EQ(cli["image"], "busybox");
  EXPECT_EQ(cli["environment"], (Json{{"PORT", "8080"}, {"TZ", "utc"}}));
  EXPECT_EQ(cli["volumes"].size(), 2u);
  EXPECT_FALSE(cli.contains("extends"));
}

TEST_F(Loader, ExtendsAServiceInAnotherFileWithPathsRelativeToThatFile) {
  file("common/base.yaml", R"(
services:
  base:
    build: ./ctx
    extends: {file: more.yaml, service: root}
)");
  file("common/more.yaml", "services:\n  root:\n    user: nobody\n");
  file("compose.yaml", R"(
services:
  web:
    extends:
      file: common/base.yaml
      service: base
    image: web
)");
  Json web = model()["services"]["web"];
  EXPECT_EQ(web["build"]["context"], "/p/common/ctx");
  EXPECT_EQ(web["user"], "nobody");
  EXPECT_EQ(web["image"], "web");
}

TEST_F(Loader, ReportsAnExtendsCycle) {
  file("compose.yaml", R"(
services:
  a: {image: x, extends: b}
  b: {image: x, extends: a}
)");
  EXPECT_THAT(errors().front(), HasSubstr("extends cycle: compose.yaml:a -> compose.yaml:b -> "));
}

TEST_F(Loader, IncludesAnotherProjectWithItsOwnDirectoryAndEnvironment) {
  file("db/.env", "DB_IMAGE=postgres:15\n");
  file("db/compose.yaml", R"(
services:
  db:
    image: ${DB_IMAGE}
    volumes: ['./init.sql:/init.sql']
volumes:
  data: {}
)");
  file("compose.yaml", R"(
include:
  - db/compose.yaml
services:
  web: {image: web, depends_on: [db]}
)");
  Json m = model();
  EXPECT_EQ(m["services"]["db"]["image"], "postgres:15");
  EXPECT_EQ(m["services"]["db"]["volumes"][0]["source"], "/p/db/init.sql");
  EXPECT_EQ(m["volumes"]["data"]["name"], "p_data");
}

TEST_F(Loader, AnIncludedResourceMayNotClashWithALocalOne) {
  file("other.yaml", "services:\n  web: {image: other}\n");
  file("compose.yaml", "include: [other.yaml]\nservices:\n  web: {image: mine}\n");
  EXPECT_THAT(errors().front(),
              HasSubstr("services.web: conflicts with the service of the same name imported from "
                        "other.yaml"));
}

TEST_F(Loader, AnIncludeConflictNamesTheFileThatDefinesTheResource) {
  file("o2.yaml", "services:\n  other: {image: o}\n");
  file("o3.yaml", "services:\n  web: {image: other}\n");
  file("compose.yaml", "include:\n  - path: [o2.yaml, o3.yaml]\nservices:\n  web: {image: mine}\n");
  EXPECT_THAT(errors().front(), HasSubstr("imported from o3.yaml"));
}

TEST_F(Loader, AnIncludeCycleIsAnError) {
  file("a.yaml", "include: [b.yaml]\nservices:\n  a: {image: a}\n");
  file("b.yaml", "include: [a.yaml]\nservices:\n  b: {image: b}\n");
  options.files = {"a.yaml"};
  EXPECT_THAT(errors().front(), HasSubstr("include cycle"));
}

// --- normalization --------------------------------------------------------------------------

TEST_F(Loader, AddsTheDefaultNetworkOnlyWhenAServiceUsesIt) {
  file("compose.yaml", R"(
services:
  a: {image: a}
  b: {image: b, network_mode: host}
)");
  Json m = model();
  EXPECT_EQ(m["services"]["a"]["networks"], (Json{{"default", nullptr}}));
  EXPECT_FALSE(m["services"]["b"].contains("networks"));
  EXPECT_EQ(m["networks"]["default"]["name"], "p_default");
}

TEST_F(Loader, NamesResourcesAfterTheProjectUnlessExternalOrNamed) {
  file("compose.yaml", R"(
services:
  a: {image: a, networks: [front, shared], volumes: ['data:/d', 'named:/n']}
networks:
  front: {}
  shared: {external: true}
volumes:
  data:
  named: {name: exact}
)");
  Json m = model();
  EXPECT_EQ(m["networks"]["front"]["name"], "p_front");
  EXPECT_EQ(m["networks"]["shared"]["name"], "shared");
  EXPECT_EQ(m["volumes"]["data"]["name"], "p_data");
  EXPECT_EQ(m["volumes"]["named"]["name"], "exact");
}

TEST_F(Loader, ImpliesDependenciesFromLinksNetworkModeAndVolumesFrom) {
  file("compose.yaml", R"(
services:
  db: {image: db}
  vpn: {image: vpn}
  store: {image: s}
  app:
    image: app
    links: ['db:database']
    network_mode: service:vpn
    volumes_from: ['store:ro']
)");
  Json deps = model()["services"]["app"]["depends_on"];
  EXPECT_EQ(deps["db"]["condition"], "service_started");
  EXPECT_EQ(deps["vpn"]["restart"], true);
  EXPECT_TRUE(deps.contains("store"));
}

TEST_F(Loader, SetsBuildDefaults) {
  file("compose.yaml", "services:\n  a:\n    build: {args: [X=1]}\n");
  Json build = model()["services"]["a"]["build"];
  EXPECT_EQ(build["context"], "/p");
  EXPECT_EQ(build["dockerfile"], "Dockerfile");
  EXPECT_EQ(build["args"]["X"], "1");
}

TEST_F(Loader, OutputIsByteIdenticalAcrossRuns) {
  file("compose.yaml", R"(
services:
  z: {image: z, environment: {B: 1, A: 2}, labels: [b=1, a=2]}
  a: {image: a, depends_on: [z]}
)");
  std::string first = model().dump();
  EXPECT_EQ(first, model().dump());
  EXPECT_LT(first.find("\"a\""), first.find("\"z\""));
}

TEST_F(Loader, ReportsEveryProblemSortedByPosition) {
  file("compose.yaml", R"(
services:
  web:
    image: a
    depends_on: [missing]
    networks: [nowhere]
  db:
    image: d
    imagee: typo
)");
  EXPECT_THAT(errors(), ElementsAre("compose.yaml:9:5: services.db: unknown key \"imagee\""));
  file("compose.yaml", R"(
services:
  web:
    image: a
    depends_on: [missing]
    networks: [nowhere]
)");
  EXPECT_THAT(errors(),
              ElementsAre("compose.yaml:5:18: services.web.depends_on.missing: depends on "
                          "undefined service \"missing\"",
                          "compose.yaml:6:16: services.web.networks.nowhere: refers to undefined "
                          "network \"nowhere\""));
}

TEST_F(Loader, NamesTheDependencyCycle) {
  file("compose.yaml", R"(
services:
  a: {image: a, depends_on: [b]}
  b: {image: b, depends_on: [c]}
  c: {image: c, depends_on: [a]}
)");
  EXPECT_THAT(errors().front(), HasSubstr("dependency cycle: a -> b -> c -> a"));
}

TEST_F(Loader, ReadsLeadingZeroIntegersAsOctalLikeCompose) {
  file("compose.yaml", R"(
services:
  a: {image: a, secrets: [{source: s, mode: 0440}], scale: 1_0}
secrets:
  s: {file: ./s.txt}
)");
  Json a = model()["services"]["a"];
  EXPECT_EQ(a["secrets"][0]["mode"], 288);
  EXPECT_EQ(a["scale"], 10);
}

TEST_F(Loader, GivesInterpolationTheProjectNameFromTheNameKeyOrTheDirectory) {
  file("compose.yaml", "name: Shop\nservices:\n  a: {image: \"${COMPOSE_PROJECT_NAME}-img\"}\n");
  EXPECT_EQ(model()["services"]["a"]["image"], "shop-img");
  file("compose.yaml", "services:\n  a: {image: \"${COMPOSE_PROJECT_NAME}-img\"}\n");
  EXPECT_EQ(model()["services"]["a"]["image"], "p-img");
}

TEST_F(Loader, TrimsComposeProfilesEntries) {
  file("compose.yaml", "services:\n  a: {image: a}\n  b: {image: b, profiles: [debug]}\n");
  options.environment["COMPOSE_PROFILES"] = "x, debug ,";
  EXPECT_TRUE(model()["services"].contains("b"));
}

TEST_F(Loader, ImpliedDependenciesOfLinksAndNamespacesRestartWithTheirTarget) {
  file("compose.yaml", R"(
services:
  db: {image: db}
  vpn: {image: vpn}
  store: {image: s}
  app: {image: app, links: [db], ipc: "service:vpn", volumes_from: [store]}
)");
  Json deps = model()["services"]["app"]["depends_on"];
  EXPECT_EQ(deps["db"]["restart"], true);
  EXPECT_EQ(deps["vpn"]["restart"], true);
  EXPECT_FALSE(deps["store"].contains("restart"));
}

TEST_F(Loader, ExtraHostsKeepEveryAddressAsHostEqualsIp) {
  file("compose.yaml", R"(
services:
  a:
    image: a
    extra_hosts: ["myhost:1.2.3.4", "myhost:::1", "other=[fe80::1]"]
)");
  EXPECT_EQ(model()["services"]["a"]["extra_hosts"],
            Json::array({"myhost=1.2.3.4", "myhost=::1", "other=fe80::1"}));
}

TEST_F(Loader, ScaleAndDeployReplicasMustAgree) {
  file("compose.yaml", "services:\n  a:\n    image: a\n    scale: 2\n    deploy: {replicas: 3}\n");
  EXPECT_THAT(errors(), ElementsAre("compose.yaml:4:12: services.a.scale: scale (2) and "
                                    "deploy.replicas (3) disagree: set one of them"));
}

TEST_F(Loader, KeepsHealthcheckDisableAsWritten) {
  file("compose.yaml", "services:\n  a: {image: a, healthcheck: {disable: true}}\n");
  EXPECT_EQ(model()["services"]["a"]["healthcheck"], (Json{{"disable", true}}));
}

TEST_F(Loader, AcceptsAnEmptyRestartFromAnUnsetVariable) {
  file("compose.yaml", "services:\n  a: {image: a, restart: \"${RESTART}\"}\n");
  EXPECT_EQ(model()["services"]["a"]["restart"], "");
}

} // namespace
} // namespace aic::compose
