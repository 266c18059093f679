// The dashboard aicd serves at `/`, in a real headless Chromium: over TCP with the token from
// the URL fragment, it lists a running project's containers, and follows `aic stop` from the
// event stream without a reload.

#include "aicd_fixture.hpp"
#include "headless_chromium.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <functional>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace aic::e2e {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

/// A TCP port on 127.0.0.1 nobody listens on now (the kernel's pick).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

/// The attribute `name` of the `<tr data-container="CONTAINER" …>` tag in `dom`; "" when absent.
std::string row_attribute(const std::string& dom, const std::string& container,
                          const std::string& name) {
  const std::size_t row = dom.find("<tr data-container=\"" + container + "\"");
  if (row == std::string::npos) {
    return "";
  }
  const std::string tag = dom.substr(row, dom.find('>', row) - row);
  const std::string key = " " + name + "=\"";
  const std::size_t at = tag.find(key);
  if (at == std::string::npos) {
    return "";
  }
  const std::size_t start = at + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

/// The text of the row's `<td class="state">` cell; "" when absent.
std::string row_state_cell(const std::string& dom, const std::string& container) {
  const std::size_t row = dom.find("<tr data-container=\"" + container + "\"");
  if (row == std::string::npos) {
    return "";
  }
  const std::string key = "<td class=\"state\">";
  const std::size_t cell = dom.find(key, row);
  const std::size_t row_end = dom.find("</tr>", row);
  if (cell == std::string::npos || cell > row_end) {
    return "";
  }
  const std::size_t start = cell + key.size();
  return dom.substr(start, dom.find('<', start) - start);
}

/// What the live test reads from the page: the connection state and each row's state.
constexpr const char* kPageState = R"js((() => ({
  connection: document.getElementById('connection').dataset.state,
  hash: location.hash,
  token: sessionStorage.getItem('aic.token'),
  marker: window.aicTestMarker === 42,
  projects: [...document.querySelectorAll('section.project')].map((s) => s.dataset.project),
  rows: Object.fromEntries([...document.querySelectorAll('tr[data-container]')]
      .map((r) => [r.dataset.container, r.dataset.state])),
  events: [...document.querySelectorAll('#events li')].map((li) => li.textContent),
}))())js";

class DashboardTest : public EngineTest {
protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    chromium_ = find_chromium();
    if (chromium_.empty()) {
      GTEST_SKIP() << "chromium is not installed (apt-get install chromium, or set AIC_CHROMIUM)";
    }
    project_ = unique_project(::testing::UnitTest::GetInstance()->current_test_info()->name());
    cleanup_ = std::make_unique<ProjectCleanup>(project_);
    dir_ = make_temp_dir("aic-e2e-dashboard");
    write_file(dir_ + "/token", token_ + "\n");
    const int port = free_port();
    ASSERT_NE(port, 0);
    listen_ = "127.0.0.1:" + std::to_string(port);
    aicd_ = std::make_unique<AicdProcess>(
        std::vector<std::string>{"--listen", listen_, "--token-file", dir_ + "/token"});
    ASSERT_TRUE(aicd_->start());
    write_file(dir_ + "/compose.yaml", "name: " + project_ +
                                           "\n"
                                           "services:\n"
                                           "  web:\n" +
                                           kService + "  worker:\n" + kService);
    AicResult up = run_aic(*aicd_, dir_, {"up", "-d"});
    ASSERT_EQ(up.exit_code, 0) << up.err;
  }

  void TearDown() override {
    if (HasFailure() && aicd_) {
      std::cerr << "aicd log:\n" << aicd_->log();
    }
    aicd_.reset();
    cleanup_.reset();
    if (!dir_.empty()) {
      remove_dir(dir_);
    }
  }

  std::string url() const { return "http://" + listen_ + "/#token=" + token_; }
  std::string name(const std::string& service) const { return project_ + "-" + service + "-1"; }

  static inline const std::string kService = "    image: aic-test/busybox:latest\n"
                                             "    command: [sleep, '3600']\n"
                                             "    stop_signal: SIGKILL\n";

  std::string chromium_;
  std::string project_;
  std::string dir_;
  std::string listen_;
  std::string token_ = "dash-" + std::to_string(::getpid()) + "-t0ken";
  std::unique_ptr<ProjectCleanup> cleanup_;
  std::unique_ptr<AicdProcess> aicd_;
};

TEST_F(DashboardTest, DumpedPageListsTheProjectsContainersAndTheirStates) {
  const DumpResult first =
      dump_dom(chromium_, dir_ + "/profile-1", url(), std::chrono::milliseconds(5000));
  ASSERT_EQ(first.exit_code, 0) << first.log;
  EXPECT_THAT(first.dom, HasSubstr("<section class=\"project\" data-project=\"" + project_ + "\">"))
      << first.dom;
  EXPECT_THAT(first.dom, HasSubstr("<span class=\"name\">" + project_ + "</span>"));
  EXPECT_EQ(row_attribute(first.dom, name("web"), "data-state"), "running") << first.dom;
  EXPECT_EQ(row_attribute(first.dom, name("worker"), "data-state"), "running");
  EXPECT_EQ(row_state_cell(first.dom, name("web")), "running");
  EXPECT_EQ(row_state_cell(first.dom, name("worker")), "running");
  EXPECT_EQ(row_attribute(first.dom, name("web"), "data-service"), "web");
  // Connected to the event stream with the token.
  EXPECT_THAT(first.dom, HasSubstr("data-state=\"live\""));

  AicResult stop = run_aic(*aicd_, dir_, {"stop", "web"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  ASSERT_EQ(inspect(name("web"), "{{.State.Status}}"), "exited");

  const DumpResult second =
      dump_dom(chromium_, dir_ + "/profile-2", url(), std::chrono::milliseconds(5000));
  ASSERT_EQ(second.exit_code, 0) << second.log;
  EXPECT_EQ(row_attribute(second.dom, name("web"), "data-state"), "exited") << second.dom;
  EXPECT_EQ(row_state_cell(second.dom, name("web")), "exited");
  EXPECT_EQ(row_attribute(second.dom, name("worker"), "data-state"), "running");
}

TEST_F(DashboardTest, WithoutTheTokenThePageLoadsButShowsNoData) {
  const DumpResult dump = dump_dom(chromium_, dir_ + "/profile", "http://" + listen_ + "/",
                                   std::chrono::milliseconds(3000));
  ASSERT_EQ(dump.exit_code, 0) << dump.log;
  // The page itself came (it needs no token), the data did not.
  EXPECT_THAT(dump.dom, HasSubstr("id=\"connection\""));
  EXPECT_THAT(dump.dom, HasSubstr("data-state=\"unauthorized\"")) << dump.dom;
  EXPECT_THAT(dump.dom, HasSubstr("#token="));
  EXPECT_EQ(dump.dom.find(project_), std::string::npos) << dump.dom;
}

TEST_F(DashboardTest, OpenPageFollowsAStopFromTheEventStreamWithoutReloading) {
  HeadlessBrowser browser(chromium_, dir_ + "/profile");
  std::string error;
  ASSERT_TRUE(browser.open(url(), error)) << error << "\n" << browser.log();

  // Polls the page (real time) until `done` holds; the last state read, or null on timeout.
  const auto wait_for = [&](const std::function<bool(const json&)>& done,
                            std::chrono::seconds limit) -> json {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    json last;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string eval_error;
      auto state = browser.evaluate(kPageState, eval_error);
      if (state && state->is_object()) {
        last = *state;
        if (done(last)) {
          return last;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ADD_FAILURE() << "the page did not get there within " << limit.count()
                  << " s; last seen: " << last.dump();
    return json();
  };

  const json loaded = wait_for(
      [&](const json& s) {
        return s.value("connection", "") == "live" && s["rows"].is_object() &&
               s["rows"].value(name("web"), "") == "running" &&
               s["rows"].value(name("worker"), "") == "running";
      },
      std::chrono::seconds(60));
  ASSERT_FALSE(loaded.is_null()) << browser.log();
  EXPECT_EQ(loaded["projects"], json::array({project_}));
  // The token left the address bar for sessionStorage.
  EXPECT_EQ(loaded["hash"], "");
  EXPECT_EQ(loaded["token"], token_);

  // A reload would drop this marker; the update below must come without one.
  std::string eval_error;
  ASSERT_TRUE(browser.evaluate("window.aicTestMarker = 42", eval_error).has_value()) << eval_error;

  AicResult stop = run_aic(*aicd_, dir_, {"stop", "web"});
  ASSERT_EQ(stop.exit_code, 0) << stop.err;

  const json after = wait_for(
      [&](const json& s) {
        return s["rows"].is_object() && s["rows"].value(name("web"), "") == "exited";
      },
      std::chrono::seconds(30));
  ASSERT_FALSE(after.is_null());
  EXPECT_EQ(after["rows"].value(name("worker"), ""), "running");
  EXPECT_EQ(after.value("marker", false), true) << "the page was reloaded";
  EXPECT_EQ(after.value("connection", ""), "live");
  // The events that caused the update are listed.
  bool saw_stop = false;
  for (const auto& line : after["events"]) {
    const std::string text = line.get<std::string>();
    saw_stop =
        saw_stop ||
        (text.find(name("web")) != std::string::npos &&
         (text.find(" die") != std::string::npos || text.find(" stop") != std::string::npos));
  }
  EXPECT_TRUE(saw_stop) << after["events"].dump();
}

} // namespace
} // namespace aic::e2e
