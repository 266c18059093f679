#include "cli/progress_view.hpp"

#include <chrono>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace aic::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

using Clock = ProgressView::Clock;
const Clock::time_point kT0 = Clock::time_point{} + 1000s;

proto::ProgressEvent event(std::string kind, std::string name, std::string status,
                           std::string detail = "", std::string level = "info") {
  return proto::ProgressEvent{std::move(kind), std::move(name), std::move(status),
                              std::move(detail), std::move(level)};
}

proto::ProgressEvent warning(std::string detail) {
  return event("project", "p", "", std::move(detail), "warning");
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    out.push_back(line);
  }
  return out;
}

const std::string kClear = "\x1b[2K";
const std::string kDone = "\u2714 ";
const std::string kBusy = "\u280b ";

// ---- parse_progress_mode ----------------------------------------------------------------------

struct ModeCase {
  std::string value;
  bool is_tty;
  std::optional<ProgressMode> expected;
};

TEST(ProgressView, ParsesEveryProgressMode) {
  const std::vector<ModeCase> cases = {
      {"", true, ProgressMode::Tty},        {"", false, ProgressMode::Plain},
      {"auto", true, ProgressMode::Tty},    {"auto", false, ProgressMode::Plain},
      {"tty", false, ProgressMode::Tty},    {"tty", true, ProgressMode::Tty},
      {"plain", true, ProgressMode::Plain}, {"quiet", true, ProgressMode::Quiet},
      {"json", true, ProgressMode::Json},   {"json", false, ProgressMode::Json},
      {"TTY", true, std::nullopt},          {"fancy", false, std::nullopt},
      {" plain", false, std::nullopt},      {"plain ", false, std::nullopt},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_progress_mode(c.value, c.is_tty), c.expected)
        << "\"" << c.value << "\" tty=" << c.is_tty;
  }
}

// ---- plain ------------------------------------------------------------------------------------

TEST(ProgressView, PlainModePrintsOneLinePerEvent) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Plain, out, "Running");
  view.on_event(event("network", "p_default", "Creating"), kT0);
  view.on_event(event("network", "p_default", "Created"), kT0);
  view.on_event(event("container", "p-web-1", "Started"), kT0);
  view.on_event(event("container", "p-web-1", "Healthy", "curl ok"), kT0);
  view.finish(kT0);
  EXPECT_EQ(out.str(), "Network p_default  Creating\n"
                       "Network p_default  Created\n"
                       "Container p-web-1  Started\n"
                       "Container p-web-1  Healthy  curl ok\n");
}

TEST(ProgressView, PlainModeNeverWritesEscapeSequences) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Plain, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  view.on_event(event("container", "p-web-1", "Started"), kT0 + 1s);
  view.finish(kT0 + 2s);
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos) << out.str();
}

// ---- json -------------------------------------------------------------------------------------

TEST(ProgressView, JsonModePassesEventsThroughAsJsonLines) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Json, out, "Running");
  std::vector<proto::ProgressEvent> events = {
      event("container", "p-web-1", "Creating"),
      event("container", "p-web-1", "Started", "took \"long\""),
      warning("no GPU left"),
  };
  for (const auto& e : events) {
    view.on_event(e, kT0);
  }
  view.finish(kT0);
  std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), events.size()) << out.str();
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(nlohmann::json::parse(lines[i]).get<proto::ProgressEvent>(), events[i]) << lines[i];
  }
}

TEST(ProgressView, JsonModeReplacesInvalidUtf8InsteadOfThrowing) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Json, out, "Running");
  EXPECT_NO_THROW(view.on_event(event("container", "p-web-1", "Exited", "bad \xff byte"), kT0));
  nlohmann::json j = nlohmann::json::parse(lines_of(out.str()).at(0));
  EXPECT_EQ(j["status"], "Exited");
}

// ---- quiet ------------------------------------------------------------------------------------

TEST(ProgressView, QuietModePrintsOnlyWarningsAndErrors) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Quiet, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  view.on_event(warning("the \"X\" variable is not set"), kT0);
  view.on_event(event("container", "p-web-1", "Started"), kT0);
  view.on_event(event("container", "p-web-1", "Error", "exit 1", "error"), kT0);
  view.finish(kT0);
  EXPECT_EQ(out.str(), "warning: the \"X\" variable is not set\nerror: exit 1\n");
}

// ---- warnings in every mode -------------------------------------------------------------------

TEST(ProgressView, PrintsWarningsInEveryMode) {
  for (ProgressMode mode :
       {ProgressMode::Tty, ProgressMode::Plain, ProgressMode::Quiet, ProgressMode::Json}) {
    std::ostringstream out;
    ProgressView view(mode, out, "Running");
    view.on_event(event("container", "p-web-1", "Creating"), kT0);
    view.on_event(warning("port 80 is already published"), kT0);
    view.finish(kT0);
    EXPECT_THAT(out.str(), HasSubstr("port 80 is already published")) << static_cast<int>(mode);
  }
}

TEST(ProgressView, PlainModePrintsWarningsAsTheyCome) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Plain, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  view.on_event(warning("careful"), kT0);
  view.on_event(event("container", "p-web-1", "Created"), kT0);
  EXPECT_EQ(out.str(),
            "Container p-web-1  Creating\nwarning: careful\nContainer p-web-1  Created\n");
}

// ---- tty --------------------------------------------------------------------------------------

TEST(ProgressView, TtyModeDrawsAHeaderAndOneLinePerResource) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  EXPECT_EQ(out.str(), kClear + "[+] Running 0/1\n" + kClear + " " + kBusy +
                           "Container p-web-1  Creating   0.0s\n");
}

TEST(ProgressView, TtyModeRedrawsInPlaceAfterTheFirstFrame) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  std::string first = out.str();
  EXPECT_EQ(first.rfind(kClear + "[+] Running 0/1\n", 0), 0u) << first; // no cursor move yet
  out.str("");
  view.on_event(event("container", "p-web-1", "Created"), kT0 + 1500ms);
  // Back up over the header and the one line, then draw them again.
  EXPECT_EQ(out.str(), "\x1b[2F" + kClear + "[+] Running 1/1\n" + kClear + " " + kDone +
                           "Container p-web-1  Created    1.5s\n");
  out.str("");
  view.on_event(event("network", "p_default", "Creating"), kT0 + 2s);
  EXPECT_EQ(out.str().rfind("\x1b[2F", 0), 0u) << out.str();
  out.str("");
  view.on_event(event("network", "p_default", "Created"), kT0 + 3s);
  EXPECT_EQ(out.str().rfind("\x1b[3F", 0), 0u) << out.str();
}

TEST(ProgressView, TtyModeCountsFinishedResourcesInTheHeader) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("network", "p_default", "Creating"), kT0);
  view.on_event(event("container", "p-db-1", "Creating"), kT0);
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  view.on_event(event("network", "p_default", "Created"), kT0);
  view.on_event(event("container", "p-db-1", "Waiting"), kT0);
  out.str("");
  view.on_event(event("container", "p-db-1", "Healthy"), kT0);
  EXPECT_THAT(out.str(), HasSubstr("[+] Running 2/3\n"));
  out.str("");
  view.on_event(event("container", "p-web-1", "Started"), kT0);
  EXPECT_THAT(out.str(), HasSubstr("[+] Running 3/3\n"));
}

TEST(ProgressView, TtyModeComputesElapsedSecondsFromTheGivenTimes) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Starting");
  view.on_event(event("container", "p-db-1", "Starting"), kT0);
  view.on_event(event("container", "p-web-1", "Creating"), kT0 + 500ms);
  view.on_event(event("container", "p-db-1", "Started"), kT0 + 2300ms);
  out.str("");
  view.finish(kT0 + 4s);
  // A finished line keeps the time it took; a running one counts up to `now`.
  EXPECT_EQ(out.str(), "\x1b[3F" + kClear + "[+] Starting 1/2\n" + kClear + " " + kDone +
                           "Container p-db-1   Started    2.3s\n" + kClear + " " + kBusy +
                           "Container p-web-1  Creating   3.5s\n");
}

TEST(ProgressView, TtyModeRestartsTheClockForANewPhaseOfAFinishedResource) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("container", "p-web-1", "Created"), kT0);
  view.on_event(event("container", "p-web-1", "Starting"), kT0 + 5s);
  out.str("");
  view.on_event(event("container", "p-web-1", "Started"), kT0 + 5200ms);
  EXPECT_THAT(out.str(), HasSubstr("Started    0.2s\n"));
  EXPECT_THAT(out.str(), HasSubstr("[+] Running 1/1\n"));
}

TEST(ProgressView, TtyModePrintsWarningsAboveTheLiveLines) {
  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("container", "p-web-1", "Creating"), kT0);
  out.str("");
  view.on_event(warning("careful"), kT0 + 1s);
  EXPECT_EQ(out.str(), "\x1b[2F" + kClear + "warning: careful\n" + kClear + "[+] Running 0/1\n" +
                           kClear + " " + kBusy + "Container p-web-1  Creating   1.0s\n");
  out.str("");
  // Printed once: the next frame no longer carries it.
  view.on_event(event("container", "p-web-1", "Created"), kT0 + 2s);
  EXPECT_THAT(out.str(), Not(HasSubstr("careful")));
  EXPECT_EQ(out.str().rfind("\x1b[2F", 0), 0u);
}

TEST(ProgressView, TtyModeFinishDrawsTheFinalFrameOnlyWhenSomethingWasShown) {
  std::ostringstream empty;
  ProgressView nothing(ProgressMode::Tty, empty, "Running");
  nothing.finish(kT0);
  EXPECT_EQ(empty.str(), "");

  std::ostringstream out;
  ProgressView view(ProgressMode::Tty, out, "Running");
  view.on_event(event("container", "p-web-1", "Started"), kT0);
  out.str("");
  view.finish(kT0 + 1s);
  EXPECT_EQ(out.str(), "\x1b[2F" + kClear + "[+] Running 1/1\n" + kClear + " " + kDone +
                           "Container p-web-1  Started    0.0s\n");
}

} // namespace
} // namespace aic::cli
