#include "compose/secret_mask.hpp"

#include <gtest/gtest.h>

namespace aic::compose {
namespace {

using nlohmann::json;

TEST(SecretMask, NamesThatUsuallyHoldCredentials) {
  for (const char* name :
       {"POSTGRES_PASSWORD", "GF_SECURITY_ADMIN_PASSWORD", "mysql_root_passwd", "GPG_PASSPHRASE",
        "JWT_SECRET", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "OPENAI_API_KEY", "STRIPE_APIKEY",
        "GOOGLE_CREDENTIALS", "SSH_PRIVATE_KEY", "DB_PASS", "REDIS_PWD", "LICENSE_KEY"}) {
    EXPECT_TRUE(looks_secret(name)) << name;
  }
  for (const char* name : {"PWD", "PATH", "POSTGRES_USER", "PASSTHROUGH", "KEYBOARD", "HOME",
                           "MODEL_PATH", "GF_AUTH_ANONYMOUS_ENABLED"}) {
    EXPECT_FALSE(looks_secret(name)) << name;
  }
}

TEST(SecretMask, UrlPasswordsAreMaskedAndTheRestKept) {
  EXPECT_EQ(mask_url_passwords("postgresql://user:pass@postgres:5432/aidb"),
            "postgresql://user:********@postgres:5432/aidb");
  EXPECT_EQ(mask_url_passwords("redis://:hunter2@redis:6379"), "redis://:********@redis:6379");
  EXPECT_EQ(mask_url_passwords("a=http://u:p@h/x b=amqp://v:q@i?y"),
            "a=http://u:********@h/x b=amqp://v:********@i?y");
  // The password may hold '@'; the host starts after the last one.
  EXPECT_EQ(mask_url_passwords("s3://k:p@ss@bucket/x"), "s3://k:********@bucket/x");
  for (const char* kept :
       {"http://user@host/x", "http://host:80/p@q", "no url", "://", "x://", "http://u:@h/", ""}) {
    EXPECT_EQ(mask_url_passwords(kept), kept);
  }
}

TEST(SecretMask, MasksEnvironmentAndBuildArgsOfEveryService) {
  json model = json::parse(R"({
    "name": "p",
    "services": {
      "db": {"environment": {"POSTGRES_PASSWORD": "pass", "POSTGRES_USER": "user",
                             "EMPTY_PASSWORD": "", "FROM_SHELL_TOKEN": null}},
      "api": {"environment": {"DATABASE_URL": "postgresql://user:pass@postgres/aidb"},
              "build": {"context": "/src", "args": {"NPM_TOKEN": "t0k", "VERSION": "1"}},
              "labels": {"PASSWORD": "labels are not masked"}}
    }
  })");
  mask_secrets(model);
  const json& db = model["services"]["db"]["environment"];
  EXPECT_EQ(db["POSTGRES_PASSWORD"], "********");
  EXPECT_EQ(db["POSTGRES_USER"], "user");
  EXPECT_EQ(db["EMPTY_PASSWORD"], "");
  EXPECT_TRUE(db["FROM_SHELL_TOKEN"].is_null());
  const json& api = model["services"]["api"];
  EXPECT_EQ(api["environment"]["DATABASE_URL"], "postgresql://user:********@postgres/aidb");
  EXPECT_EQ(api["build"]["args"]["NPM_TOKEN"], "********");
  EXPECT_EQ(api["build"]["args"]["VERSION"], "1");
  EXPECT_EQ(api["labels"]["PASSWORD"], "labels are not masked");
  EXPECT_EQ(model.dump().find("pass@"), std::string::npos) << model.dump();
}

TEST(SecretMask, OddModelsAreLeftAlone) {
  for (const char* text : {R"({})", R"({"services": []})", R"({"services": {"a": 1}})",
                           R"({"services": {"a": {"environment": ["X=1"], "build": "."}}})"}) {
    json model = json::parse(text);
    const json before = model;
    mask_secrets(model);
    EXPECT_EQ(model, before) << text;
  }
}

} // namespace
} // namespace aic::compose
