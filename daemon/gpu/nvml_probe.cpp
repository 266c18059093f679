// probe_nvml (inventory.hpp): NVML loaded at run time with dlopen, never linked.

#include "gpu/inventory.hpp"
#include "gpu/probe_text.hpp"

#include <cstring>
#include <dlfcn.h>
#include <string>
#include <utility>
#include <vector>

namespace aic::gpu {
namespace {

using namespace probe_detail;

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

} // namespace aic::gpu
