#include "cli/yaml_writer.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace aic::cli {
namespace {

using Json = nlohmann::json;

TEST(YamlWriter, WritesNestedMappingsAndListsInBlockStyle) {
  Json j = {{"a", {{"b", 1}, {"c", Json::array({"x", {{"k", "v"}, {"l", true}}})}}}};
  EXPECT_EQ(to_yaml(j), "a:\n  b: 1\n  c:\n    - x\n    - k: v\n      l: true\n");
}

TEST(YamlWriter, PrintsEmptyContainersInFlowStyle) {
  EXPECT_EQ(to_yaml(Json{{"m", Json::object()}, {"l", Json::array()}, {"z", nullptr}}),
            "l: []\nm: {}\nz: null\n");
}

TEST(YamlWriter, QuotesStringsYamlWouldReadAsSomethingElse) {
  Json j = {{"a", "yes"},   {"b", "8000"},  {"c", ""},       {"d", "x: y"},    {"e", "#c"},
            {"f", "null"},  {"g", "1.5"},   {"h", " pad"},   {"i", "-"},       {"j", "line\nbreak"},
            {"k", "*ref"},  {"l", "plain"}, {"m", "--flag"}, {"n", "0.0.0.0"}, {"o", ".5"},
            {"p", "-.Inf"}, {"q", "0x1F"},  {"r", "1_000"}};
  std::string y = to_yaml(j);
  for (const char* quoted :
       {"a: \"yes\"", "b: \"8000\"", "c: \"\"", "d: \"x: y\"", "e: \"#c\"", "f: \"null\"",
        "g: \"1.5\"", "h: \" pad\"", "i: \"-\"", "j: \"line\\nbreak\"", "k: \"*ref\""}) {
    EXPECT_NE(y.find(quoted), std::string::npos) << quoted << " in\n" << y;
  }
  EXPECT_NE(y.find("l: plain\n"), std::string::npos);
  EXPECT_NE(y.find("m: --flag\n"), std::string::npos);
}

TEST(YamlWriter, OutputReadsBackToTheSameValues) {
  Json j = {{"services",
             {{"web",
               {{"command", {"sh", "-c", "echo 'a: b' # not a comment"}},
                {"environment", {{"A", "true"}, {"B", "010"}, {"C", "~"}}},
                {"ports", Json::array({{{"target", 80}, {"published", "8080"}}})}}}}}};
  YAML::Node back = YAML::Load(to_yaml(j));
  EXPECT_EQ(back["services"]["web"]["command"][2].as<std::string>(), "echo 'a: b' # not a comment");
  EXPECT_EQ(back["services"]["web"]["environment"]["A"].Tag(), "!");
  EXPECT_EQ(back["services"]["web"]["environment"]["B"].as<std::string>(), "010");
  EXPECT_EQ(back["services"]["web"]["environment"]["C"].as<std::string>(), "~");
  EXPECT_EQ(back["services"]["web"]["ports"][0]["target"].as<int>(), 80);
}

} // namespace
} // namespace aic::cli
