// probe_smi and parse_smi_csv (inventory.hpp): nvidia-smi run with a deadline, its CSV parsed.

#include "gpu/inventory.hpp"
#include "gpu/probe_text.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace aic::gpu {
namespace {

using namespace probe_detail;

constexpr std::size_t kMaxSmiOutput = std::size_t{1} << 20;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// nvidia-smi

bool is_unknown(std::string_view field) {
  return (field.size() >= 2 && field.front() == '[' && field.back() == ']') || field == "N/A";
}

/// Spawn attributes and file actions, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
};

std::string smi_name(const std::string& command) {
  return command == "nvidia-smi" ? std::string("nvidia-smi") : "nvidia-smi (" + command + ")";
}

/// Reaps `pid`, waiting until `deadline`; then kills its process group and reaps it. Returns
/// the wait status and whether it had to be killed.
std::pair<int, bool> reap(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) {
      return {status, false};
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return {status, true};
}

} // namespace

Result<Inventory> probe_smi(const std::string& command, std::chrono::seconds timeout) {
  const std::string name = smi_name(command);
  const auto deadline = std::chrono::steady_clock::now() + timeout;

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return unavailable(name + ": pipe: " + std::strerror(errno));
  }
  Fd out(fds[0]);
  Fd child_out(fds[1]);

  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, child_out.get(), STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&setup.actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  // Its own process group, so a timeout also kills whatever a wrapper script started.
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&setup.attr, 0);

  std::string arg0 = command;
  std::string query = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu";
  std::string format = "--format=csv,noheader,nounits";
  char* argv[] = {arg0.data(), query.data(), format.data(), nullptr};
  pid_t pid = 0;
  if (const int rc =
          posix_spawnp(&pid, command.c_str(), &setup.actions, &setup.attr, argv, environ);
      rc != 0) {
    if (rc == ENOENT) {
      return unavailable(name + ": not found");
    }
    return unavailable(name + ": " + std::strerror(rc));
  }
  child_out.reset();

  std::string output;
  bool timed_out = false;
  bool too_long = false;
  int poll_error = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{out.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), INT32_MAX)));
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      poll_error = errno;
      break;
    }
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buffer[4096];
    const ssize_t n = ::read(out.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    if (output.size() + static_cast<std::size_t>(n) > kMaxSmiOutput) {
      too_long = true;
      break;
    }
    output.append(buffer, static_cast<std::size_t>(n));
  }
  out.reset();

  const bool give_up = timed_out || too_long || poll_error != 0;
  const auto [status, killed] =
      reap(pid, give_up ? std::chrono::steady_clock::time_point{} : deadline);
  if (too_long) {
    return unavailable(name + ": output exceeds 1 MiB");
  }
  if (poll_error != 0) {
    return unavailable(name + ": poll: " + std::strerror(poll_error));
  }
  if (timed_out || (killed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))) {
    return Error(ErrorCode::Timeout,
                 name + ": timed out after " + std::to_string(timeout.count()) + "s");
  }
  if (WIFSIGNALED(status)) {
    return unavailable(name + ": killed by signal " + std::to_string(WTERMSIG(status)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return unavailable(name + ": not found");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return unavailable(name + ": exited with status " + std::to_string(WEXITSTATUS(status)));
  }

  Result<std::vector<Device>> devices = parse_smi_csv(output);
  if (!devices) {
    return std::move(devices).error(); // "nvidia-smi line 2: …"
  }
  if (devices->empty()) {
    return unavailable(name + ": printed no devices");
  }
  Inventory inventory;
  inventory.source = "nvidia-smi";
  inventory.devices = std::move(devices).value();
  return inventory;
}

Result<std::vector<Device>> parse_smi_csv(std::string_view text) {
  std::vector<Device> devices;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_number;
    if (line.empty()) {
      continue;
    }
    const std::string at = "nvidia-smi line " + std::to_string(line_number) + ": ";
    std::vector<std::string_view> fields;
    for (std::string_view rest = line;;) {
      const std::size_t comma = rest.find(',');
      fields.push_back(trim(rest.substr(0, comma)));
      if (comma == std::string_view::npos) {
        break;
      }
      rest = rest.substr(comma + 1);
    }
    if (fields.size() != 6 && fields.size() != 5) {
      return unavailable(at + "expected 6 fields, got " + std::to_string(fields.size()));
    }

    Device d;
    const std::optional<std::uint64_t> index = parse_unsigned(fields[0]);
    if (!index || *index > INT32_MAX) {
      return unavailable(at + "invalid index " + quote_text(fields[0]));
    }
    d.index = static_cast<int>(*index);
    if (fields[1].empty() || is_unknown(fields[1])) {
      return unavailable(at + "no uuid");
    }
    d.uuid = fields[1];
    d.name = is_unknown(fields[2]) ? std::string_view{} : fields[2];
    const std::pair<const char*, std::uint64_t*> memories[] = {{"memory.total", &d.total_bytes},
                                                               {"memory.used", &d.used_bytes}};
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string_view field = fields[3 + i];
      if (is_unknown(field)) {
        continue;
      }
      const std::optional<std::uint64_t> mib = parse_unsigned(field);
      if (!mib || *mib > UINT64_MAX / kMiB) {
        return unavailable(at + "invalid " + memories[i].first + " " + quote_text(field));
      }
      *memories[i].second = *mib * kMiB;
    }
    if (fields.size() == 6 && !is_unknown(fields[5])) {
      const std::optional<std::uint64_t> percent = parse_unsigned(fields[5]);
      if (!percent || *percent > 100) {
        return unavailable(at + "invalid utilization.gpu " + quote_text(fields[5]));
      }
      d.utilization = static_cast<int>(*percent);
    }
    devices.push_back(std::move(d));
  }
  std::stable_sort(devices.begin(), devices.end(),
                   [](const Device& a, const Device& b) { return a.index < b.index; });
  return devices;
}

} // namespace aic::gpu
