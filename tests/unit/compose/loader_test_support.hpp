#pragma once

#include "compose/loader.hpp"
#include "compose/model_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <string>

namespace aic::compose::testing {

/// An in-memory project rooted at /p: add files, set flags, load, inspect the JSON model.
class ProjectFixture : public ::testing::Test {
protected:
  void file(const std::string& relative, const std::string& content) {
    files_.add(relative.front() == '/' ? relative : "/p/" + relative, content);
  }

  Result<LoadedProject> load() {
    if (options.working_dir.empty()) {
      options.working_dir = "/p";
    }
    return load_project(options, files_);
  }

  /// Loads and returns the model as JSON; fails the test when loading fails.
  nlohmann::json model() {
    Result<LoadedProject> loaded = load();
    if (!loaded) {
      ADD_FAILURE() << "load failed: " << loaded.error().describe();
      return nlohmann::json::object();
    }
    return to_json(loaded->model);
  }

  /// Loads expecting failure; returns every error line (message, or details when several).
  std::vector<std::string> errors() {
    Result<LoadedProject> loaded = load();
    if (loaded) {
      ADD_FAILURE() << "load unexpectedly succeeded: " << to_json(loaded->model).dump();
      return {};
    }
    if (loaded.error().details().empty()) {
      return {loaded.error().message()};
    }
    return loaded.error().details();
  }

  LoadOptions options = default_options();
  MemoryFileSource files_;

private:
  static LoadOptions default_options() {
    LoadOptions o;
    o.working_dir = "/p";
    o.environment = {{"HOME", "/home/u"}};
    return o;
  }
};

} // namespace aic::compose::testing
