// A stand-in libnvidia-ml.so.1 for the NVML probe's tests: the few NVML entry points aic looks
// up, written from the ABI in ../shared/reference/gpu-scheduling.md section 3.1, over a fixed
// machine:
//   index 0  GPU-…a0  "Fake L4"    24 GiB, 1 GiB used, 10 % busy, MIG off
//   index 1  (nvmlDeviceGetHandleByIndex_v2 answers NO_PERMISSION)
//   index 2  GPU-…a2  "Fake H100"  80 GiB, nothing used, utilization NOT_SUPPORTED, MIG on
// Two extra entry points let a test make nvmlInit_v2 fail and see whether every init was shut
// down.

#include <cstring>

#define AIC_FAKE_NVML_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr int kSuccess = 0;
constexpr int kUninitialized = 1;
constexpr int kInvalidArgument = 2;
constexpr int kNotSupported = 3;
constexpr int kNoPermission = 4;
constexpr int kInsufficientSize = 7;

constexpr unsigned long long kGiB = 1ULL << 30;

int g_init_result = kSuccess;
int g_active = 0;

} // namespace

struct nvmlDevice_st {
  const char* uuid;
  const char* name;
  unsigned long long total;
  unsigned long long used;
  int utilization; // -1: NOT_SUPPORTED
  unsigned mig_current;
  bool permitted;
};

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};

namespace {

nvmlDevice_st g_devices[] = {
    {"GPU-00000000-0000-0000-0000-0000000000a0", "Fake L4", 24 * kGiB, 1 * kGiB, 10, 0, true},
    {"GPU-00000000-0000-0000-0000-0000000000a1", "Fake L4", 24 * kGiB, 0, 0, 0, false},
    {"GPU-00000000-0000-0000-0000-0000000000a2", "Fake H100", 80 * kGiB, 0, -1, 1, true},
};
constexpr unsigned kDeviceCount = sizeof g_devices / sizeof g_devices[0];

bool known(const nvmlDevice_st* device) {
  for (const nvmlDevice_st& d : g_devices) {
    if (device == &d) {
      return d.permitted;
    }
  }
  return false;
}

int copy_string(const char* text, char* buffer, unsigned length) {
  if (buffer == nullptr) {
    return kInvalidArgument;
  }
  if (std::strlen(text) + 1 > length) {
    return kInsufficientSize;
  }
  std::strcpy(buffer, text);
  return kSuccess;
}

/// Every device call: NVML must be initialised and the handle one of ours.
int check(const nvmlDevice_st* device) {
  if (g_active == 0) {
    return kUninitialized;
  }
  return known(device) ? kSuccess : kInvalidArgument;
}

} // namespace

AIC_FAKE_NVML_EXPORT int nvmlInit_v2() {
  if (g_init_result != kSuccess) {
    return g_init_result;
  }
  ++g_active;
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT int nvmlShutdown() {
  if (g_active == 0) {
    return kUninitialized;
  }
  --g_active;
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT const char* nvmlErrorString(int result) {
  switch (result) {
  case kSuccess:
    return "Success";
  case kUninitialized:
    return "Uninitialized";
  case kInvalidArgument:
    return "Invalid Argument";
  case kNotSupported:
    return "Not Supported";
  case kNoPermission:
    return "Insufficient Permissions";
  case kInsufficientSize:
    return "Insufficient Size";
  case 9:
    return "Driver Not Loaded";
  default:
    return "Unknown Error";
  }
}

AIC_FAKE_NVML_EXPORT int nvmlSystemGetDriverVersion(char* version, unsigned length) {
  if (g_active == 0) {
    return kUninitialized;
  }
  return copy_string("550.54.15", version, length);
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetCount_v2(unsigned* count) {
  if (g_active == 0) {
    return kUninitialized;
  }
  if (count == nullptr) {
    return kInvalidArgument;
  }
  *count = kDeviceCount;
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_st** device) {
  if (g_active == 0) {
    return kUninitialized;
  }
  if (index >= kDeviceCount || device == nullptr) {
    return kInvalidArgument;
  }
  if (!g_devices[index].permitted) {
    return kNoPermission;
  }
  *device = &g_devices[index];
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetUUID(nvmlDevice_st* device, char* uuid, unsigned length) {
  if (const int rc = check(device); rc != kSuccess) {
    return rc;
  }
  return copy_string(device->uuid, uuid, length);
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetName(nvmlDevice_st* device, char* name, unsigned length) {
  if (const int rc = check(device); rc != kSuccess) {
    return rc;
  }
  return copy_string(device->name, name, length);
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetMemoryInfo(nvmlDevice_st* device, nvmlMemory_t* memory) {
  if (const int rc = check(device); rc != kSuccess) {
    return rc;
  }
  if (memory == nullptr) {
    return kInvalidArgument;
  }
  *memory = {device->total, device->total - device->used, device->used};
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetUtilizationRates(nvmlDevice_st* device,
                                                       nvmlUtilization_t* utilization) {
  if (const int rc = check(device); rc != kSuccess) {
    return rc;
  }
  if (utilization == nullptr) {
    return kInvalidArgument;
  }
  if (device->utilization < 0) {
    return kNotSupported;
  }
  *utilization = {static_cast<unsigned>(device->utilization), 5};
  return kSuccess;
}

AIC_FAKE_NVML_EXPORT int nvmlDeviceGetMigMode(nvmlDevice_st* device, unsigned* current,
                                              unsigned* pending) {
  if (const int rc = check(device); rc != kSuccess) {
    return rc;
  }
  if (current == nullptr || pending == nullptr) {
    return kInvalidArgument;
  }
  *current = device->mig_current;
  *pending = device->mig_current;
  return kSuccess;
}

// Test controls, not NVML.

/// What the next nvmlInit_v2 calls return (0: they succeed).
AIC_FAKE_NVML_EXPORT void aic_fake_nvml_set_init_result(int result) {
  g_init_result = result;
}

/// nvmlInit_v2 calls not yet matched by nvmlShutdown.
AIC_FAKE_NVML_EXPORT int aic_fake_nvml_active() {
  return g_active;
}
