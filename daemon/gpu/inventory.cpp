#include "gpu/inventory.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
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

constexpr std::size_t kMaxSmiOutput = std::size_t{1} << 20;
constexpr std::size_t kMaxInventoryFile = std::size_t{1} << 20;
constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

// The slice of nvml.h that aic uses (design note, section 3.1). Only function pointer types are
// declared: the library is dlopen'ed, never linked.
namespace nvml {

using Return = int;
struct DeviceSt;
using Device = DeviceSt*;
struct Memory {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};
struct Utilization {
  unsigned int gpu;
  unsigned int memory;
};

constexpr Return kSuccess = 0;
constexpr unsigned kMigEnabled = 1;
constexpr unsigned kUuidBufferSize = 96;
constexpr unsigned kNameBufferSize = 96;
constexpr unsigned kDriverVersionBufferSize = 80;

using InitFn = Return (*)();
using ShutdownFn = Return (*)();
using GetCountFn = Return (*)(unsigned*);
using GetHandleByIndexFn = Return (*)(unsigned, Device*);
using GetStringFn = Return (*)(Device, char*, unsigned);
using GetMemoryInfoFn = Return (*)(Device, Memory*);
using GetUtilizationRatesFn = Return (*)(Device, Utilization*);
using GetMigModeFn = Return (*)(Device, unsigned*, unsigned*);
using GetDriverVersionFn = Return (*)(char*, unsigned);
using ErrorStringFn = const char* (*)(Return);

} // namespace nvml

/// Owns a dlopen handle.
class SharedLibrary {
public:
  explicit SharedLibrary(void* handle) : handle_(handle) {}
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;
  ~SharedLibrary() {
    if (handle_ != nullptr) {
      dlclose(handle_);
    }
  }

  /// The symbol, or nullptr when the library lacks it.
  template <typename Fn>
  Fn symbol(const char* name) const {
    return reinterpret_cast<Fn>(dlsym(handle_, name));
  }

private:
  void* handle_;
};

/// Calls nvmlShutdown once NVML was initialised, whatever way the probe leaves.
class NvmlSession {
public:
  explicit NvmlSession(nvml::ShutdownFn shutdown) : shutdown_(shutdown) {}
  NvmlSession(const NvmlSession&) = delete;
  NvmlSession& operator=(const NvmlSession&) = delete;
  ~NvmlSession() { shutdown_(); }

private:
  nvml::ShutdownFn shutdown_;
};

Error unavailable(std::string message) {
  return Error(ErrorCode::EngineUnavailable, std::move(message));
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = s.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  return s.substr(first, s.find_last_not_of(kSpace) - first + 1);
}

std::string quote_text(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Digits only, no sign, no overflow.
std::optional<std::uint64_t> parse_unsigned(std::string_view s) {
  if (s.empty() || s.size() > 19) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// NVML

/// nvmlErrorString when the library has it, else the number.
class NvmlErrorText {
public:
  explicit NvmlErrorText(const SharedLibrary& lib)
      : error_string_(lib.symbol<nvml::ErrorStringFn>("nvmlErrorString")) {}

  std::string describe(nvml::Return rc) const {
    if (error_string_ != nullptr) {
      if (const char* text = error_string_(rc); text != nullptr && *text != '\0') {
        return text;
      }
    }
    return "error code " + std::to_string(rc);
  }

private:
  nvml::ErrorStringFn error_string_;
};

// ---------------------------------------------------------------------------------------------
// nvidia-smi

bool is_unknown(std::string_view field) {
  return (field.size() >= 2 && field.front() == '[' && field.back() == ']') || field == "N/A";
}

/// Owns a file descriptor.
class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

private:
  int fd_ = -1;
};

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

// ---------------------------------------------------------------------------------------------
// Inventory file

/// "24GiB", "24 GiB", "24G", "512MiB", "1024", "1.5GiB": 1024-based whatever the spelling, as
/// docker's RAMInBytes reads them.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  text = trim(text);
  std::size_t end = 0;
  while (end < text.size() && ((text[end] >= '0' && text[end] <= '9') || text[end] == '.')) {
    ++end;
  }
  const std::string_view number = text.substr(0, end);
  std::string unit;
  for (char c : trim(text.substr(end))) {
    unit += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const std::size_t dot = number.find('.');
  const std::string_view whole_text = number.substr(0, dot);
  const std::string_view fraction_text =
      dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
  if ((whole_text.empty() && fraction_text.empty()) ||
      fraction_text.find('.') != std::string_view::npos) {
    return std::nullopt;
  }
  if (dot != std::string_view::npos && fraction_text.empty()) {
    return std::nullopt;
  }

  int power = 0;
  if (!unit.empty() && unit != "b") {
    constexpr std::string_view kPrefixes = "kmgtp";
    const std::size_t p = kPrefixes.find(unit[0]);
    const std::string_view rest = std::string_view(unit).substr(1);
    if (p == std::string_view::npos || !(rest.empty() || rest == "b" || rest == "ib")) {
      return std::nullopt;
    }
    power = static_cast<int>(p) + 1;
  }
  const std::uint64_t multiplier = std::uint64_t{1} << (10 * power);

  std::uint64_t whole = 0;
  if (!whole_text.empty()) {
    const std::optional<std::uint64_t> w = parse_unsigned(whole_text);
    if (!w || *w > UINT64_MAX / multiplier) {
      return std::nullopt;
    }
    whole = *w * multiplier;
  }
  std::uint64_t part = 0;
  if (!fraction_text.empty()) {
    double fraction = 0;
    const std::string decimal = "0." + std::string(fraction_text);
    const auto [end_ptr, ec] =
        std::from_chars(decimal.data(), decimal.data() + decimal.size(), fraction);
    if (ec != std::errc() || end_ptr != decimal.data() + decimal.size()) {
      return std::nullopt;
    }
    part = static_cast<std::uint64_t>(fraction * static_cast<double>(multiplier));
  }
  if (whole > UINT64_MAX - part) {
    return std::nullopt;
  }
  return whole + part;
}

class InventoryReader {
public:
  explicit InventoryReader(const std::string& origin) : origin_(origin) {}

  Error invalid(const std::string& where, const std::string& what) const {
    return Error(ErrorCode::InvalidSpec, origin_ + ": " + where + ": " + what);
  }

  Result<std::uint64_t> size(const nlohmann::json& value, const std::string& where) const {
    if (value.is_number_unsigned()) {
      return value.get<std::uint64_t>();
    }
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      if (const std::optional<std::uint64_t> bytes = parse_size(text)) {
        return *bytes;
      }
    }
    return invalid(where, "invalid size " + value.dump());
  }

  Result<Device> device(const nlohmann::json& entry, std::size_t position) const {
    const std::string at = "devices[" + std::to_string(position) + "]";
    if (!entry.is_object()) {
      return invalid(at, "expected an object");
    }
    Device d;
    d.index = static_cast<int>(position);
    bool has_total = false;
    for (const auto& [key, value] : entry.items()) {
      const std::string where = at + "." + key;
      if (key == "index") {
        if (!value.is_number_unsigned() || value.get<std::uint64_t>() > INT32_MAX) {
          return invalid(where, "expected a non-negative integer, got " + value.dump());
        }
        d.index = value.get<int>();
      } else if (key == "uuid" || key == "name") {
        if (!value.is_string()) {
          return invalid(where, "expected a string, got " + value.dump());
        }
        (key == "uuid" ? d.uuid : d.name) = value.get<std::string>();
      } else if (key == "memory_total" || key == "memory_used") {
        Result<std::uint64_t> bytes = size(value, where);
        if (!bytes) {
          return std::move(bytes).error();
        }
        (key == "memory_total" ? d.total_bytes : d.used_bytes) = *bytes;
        has_total = has_total || key == "memory_total";
      } else if (key == "utilization") {
        if (!value.is_number_integer() || value.get<std::int64_t>() < -1 ||
            value.get<std::int64_t>() > 100) {
          return invalid(where,
                         "expected a percentage (0-100, or -1 for unknown), got " + value.dump());
        }
        d.utilization = value.get<int>();
      } else if (key == "mig" || key == "healthy") {
        if (!value.is_boolean()) {
          return invalid(where, "expected true or false, got " + value.dump());
        }
        (key == "mig" ? d.mig : d.healthy) = value.get<bool>();
      } else {
        return invalid(at, "unknown key " + quote_text(key));
      }
    }
    if (d.uuid.empty()) {
      return invalid(at + ".uuid", "missing");
    }
    if (!has_total) {
      return invalid(at + ".memory_total", "missing");
    }
    return d;
  }

private:
  const std::string& origin_;
};

} // namespace

Result<Inventory> probe_nvml(const std::string& library) {
  // dlopen and nvmlInit/nvmlShutdown count references, so concurrent probes (thread pool) and
  // other NVML users in the process do not disturb one another.
  void* handle = dlopen(library.c_str(), RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return unavailable("NVML: " + (why != nullptr ? std::string(why) : library + ": cannot load"));
  }
  const SharedLibrary lib(handle);

  const auto init = lib.symbol<nvml::InitFn>("nvmlInit_v2");
  const auto shutdown = lib.symbol<nvml::ShutdownFn>("nvmlShutdown");
  const auto get_count = lib.symbol<nvml::GetCountFn>("nvmlDeviceGetCount_v2");
  const auto get_handle = lib.symbol<nvml::GetHandleByIndexFn>("nvmlDeviceGetHandleByIndex_v2");
  const auto get_uuid = lib.symbol<nvml::GetStringFn>("nvmlDeviceGetUUID");
  const auto get_name = lib.symbol<nvml::GetStringFn>("nvmlDeviceGetName");
  const auto get_memory = lib.symbol<nvml::GetMemoryInfoFn>("nvmlDeviceGetMemoryInfo");
  const std::pair<const char*, bool> required[] = {
      {"nvmlInit_v2", init != nullptr},
      {"nvmlShutdown", shutdown != nullptr},
      {"nvmlDeviceGetCount_v2", get_count != nullptr},
      {"nvmlDeviceGetHandleByIndex_v2", get_handle != nullptr},
      {"nvmlDeviceGetUUID", get_uuid != nullptr},
      {"nvmlDeviceGetName", get_name != nullptr},
      {"nvmlDeviceGetMemoryInfo", get_memory != nullptr},
  };
  for (const auto& [name, found] : required) {
    if (!found) {
      return unavailable("NVML: " + library + " lacks " + name);
    }
  }
  const auto get_utilization =
      lib.symbol<nvml::GetUtilizationRatesFn>("nvmlDeviceGetUtilizationRates");
  const auto get_mig_mode = lib.symbol<nvml::GetMigModeFn>("nvmlDeviceGetMigMode");
  const auto get_driver_version =
      lib.symbol<nvml::GetDriverVersionFn>("nvmlSystemGetDriverVersion");
  const NvmlErrorText nvml(lib);

  if (const nvml::Return rc = init(); rc != nvml::kSuccess) {
    return unavailable("NVML: nvmlInit_v2 failed: " + nvml.describe(rc));
  }
  const NvmlSession session(shutdown);

  Inventory inventory;
  inventory.source = "nvml";
  if (get_driver_version != nullptr) {
    char version[nvml::kDriverVersionBufferSize] = {};
    if (get_driver_version(version, sizeof version) == nvml::kSuccess) {
      inventory.driver_version.assign(version, strnlen(version, sizeof version));
    }
  }

  unsigned count = 0;
  if (const nvml::Return rc = get_count(&count); rc != nvml::kSuccess) {
    return unavailable("NVML: nvmlDeviceGetCount_v2 failed: " + nvml.describe(rc));
  }
  std::vector<std::string> skipped;
  for (unsigned i = 0; i < count; ++i) {
    const auto skip = [&](const char* call, nvml::Return rc) {
      skipped.push_back("device " + std::to_string(i) + " skipped (" + call + ": " +
                        nvml.describe(rc) + ")");
    };
    nvml::Device device = nullptr;
    if (const nvml::Return rc = get_handle(i, &device); rc != nvml::kSuccess) {
      skip("nvmlDeviceGetHandleByIndex_v2", rc);
      continue;
    }
    char uuid[nvml::kUuidBufferSize] = {};
    if (const nvml::Return rc = get_uuid(device, uuid, sizeof uuid); rc != nvml::kSuccess) {
      skip("nvmlDeviceGetUUID", rc);
      continue;
    }
    char name[nvml::kNameBufferSize] = {};
    if (const nvml::Return rc = get_name(device, name, sizeof name); rc != nvml::kSuccess) {
      skip("nvmlDeviceGetName", rc);
      continue;
    }
    nvml::Memory memory{};
    if (const nvml::Return rc = get_memory(device, &memory); rc != nvml::kSuccess) {
      skip("nvmlDeviceGetMemoryInfo", rc);
      continue;
    }
    Device d;
    d.uuid.assign(uuid, strnlen(uuid, sizeof uuid));
    d.index = static_cast<int>(i);
    d.name.assign(name, strnlen(name, sizeof name));
    d.total_bytes = memory.total;
    d.used_bytes = memory.used;
    if (nvml::Utilization rates{};
        get_utilization != nullptr && get_utilization(device, &rates) == nvml::kSuccess) {
      d.utilization = static_cast<int>(std::min(rates.gpu, 100U));
    }
    unsigned current = 0;
    unsigned pending = 0;
    if (get_mig_mode != nullptr && get_mig_mode(device, &current, &pending) == nvml::kSuccess) {
      d.mig = current == nvml::kMigEnabled;
    }
    inventory.devices.push_back(std::move(d));
  }
  if (!skipped.empty()) {
    inventory.detail = "NVML: ";
    for (std::size_t i = 0; i < skipped.size(); ++i) {
      inventory.detail += (i == 0 ? "" : ", ") + skipped[i];
    }
  }
  return inventory;
}

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

Result<Inventory> parse_inventory_file(std::string_view text, const std::string& origin) {
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return Error(ErrorCode::InvalidSpec, origin + ": invalid JSON: " + e.what());
  }
  if (!root.is_object()) {
    return Error(ErrorCode::InvalidSpec, origin + ": not a JSON object");
  }
  const InventoryReader reader(origin);
  Inventory inventory;
  inventory.source = "fake";
  const nlohmann::json* devices = nullptr;
  for (const auto& [key, value] : root.items()) {
    if (key == "devices") {
      if (!value.is_array()) {
        return reader.invalid(key, "expected an array, got " + value.dump());
      }
      devices = &value;
    } else if (key == "source" || key == "driver" || key == "driver_version") {
      if (!value.is_string()) {
        return reader.invalid(key, "expected a string, got " + value.dump());
      }
      if (key == "driver_version") {
        inventory.driver_version = value.get<std::string>();
      }
    } else {
      return Error(ErrorCode::InvalidSpec, origin + ": unknown key " + quote_text(key));
    }
  }
  if (devices == nullptr) {
    return reader.invalid("devices", "missing");
  }

  std::map<std::string, std::size_t> uuids;
  std::map<int, std::size_t> indexes;
  for (std::size_t i = 0; i < devices->size(); ++i) {
    Result<Device> d = reader.device((*devices)[i], i);
    if (!d) {
      return std::move(d).error();
    }
    const std::string at = "devices[" + std::to_string(i) + "]";
    if (const auto [it, fresh] = uuids.emplace(d->uuid, i); !fresh) {
      return reader.invalid(at + ".uuid", "duplicate " + quote_text(d->uuid) + " (also devices[" +
                                              std::to_string(it->second) + "])");
    }
    if (const auto [it, fresh] = indexes.emplace(d->index, i); !fresh) {
      return reader.invalid(at + ".index", "duplicate " + std::to_string(d->index) +
                                               " (also devices[" + std::to_string(it->second) +
                                               "])");
    }
    inventory.devices.push_back(std::move(d).value());
  }
  std::sort(inventory.devices.begin(), inventory.devices.end(),
            [](const Device& a, const Device& b) { return a.index < b.index; });
  return inventory;
}

Result<Inventory> read_inventory_file(const std::string& path) {
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return Error(ErrorCode::NotFound, path + ": no such file");
    }
    return Error(ErrorCode::InvalidSpec, path + ": " + std::strerror(errno));
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return Error(ErrorCode::InvalidSpec, path + ": " + std::strerror(errno));
    }
    if (n == 0) {
      break;
    }
    if (text.size() + static_cast<std::size_t>(n) > kMaxInventoryFile) {
      return Error(ErrorCode::InvalidSpec, path + ": larger than 1 MiB");
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return parse_inventory_file(text, path);
}

Result<Inventory> probe_inventory(const InventoryConfig& config) {
  if (!config.file.empty()) {
    return read_inventory_file(config.file);
  }
  Result<Inventory> nvml = probe_nvml(config.nvml_library);
  if (nvml) {
    return nvml;
  }
  Result<Inventory> smi = probe_smi(config.smi_command, config.smi_timeout);
  if (smi) {
    Inventory inventory = std::move(smi).value();
    inventory.detail =
        nvml.error().message() + (inventory.detail.empty() ? "" : "; " + inventory.detail);
    return inventory;
  }
  Inventory none;
  none.source = "none";
  none.detail = nvml.error().message() + "; " + smi.error().message();
  return none;
}

} // namespace aic::gpu
