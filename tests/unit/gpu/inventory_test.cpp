#include "gpu/inventory.hpp"

#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace aic::gpu {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
constexpr const char* kUuidA0 = "GPU-00000000-0000-0000-0000-0000000000a0";
constexpr const char* kUuidA2 = "GPU-00000000-0000-0000-0000-0000000000a2";

/// A fresh directory under the test temp dir, removed with everything in it.
class ScratchDir {
public:
  ScratchDir() {
    std::string pattern = testing::TempDir() + "aic-gpu-inventory-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp " << pattern;
    }
    path_ = pattern;
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  /// Writes `name` with `text`; executable when asked. Returns its path.
  std::string write(const std::string& name, const std::string& text, bool executable = false) {
    const std::filesystem::path file = path_ / name;
    {
      std::ofstream out(file, std::ios::binary);
      out << text;
    }
    if (executable) {
      std::filesystem::permissions(file, std::filesystem::perms::owner_all);
    }
    return file.string();
  }
  std::string path(const std::string& name) const { return (path_ / name).string(); }

private:
  std::filesystem::path path_;
};

/// Keeps the stub NVML loaded, so its test controls and counters outlive each probe's dlclose.
class FakeNvml {
public:
  FakeNvml() : handle_(dlopen(AIC_FAKE_NVML, RTLD_NOW | RTLD_LOCAL)) {
    if (handle_ == nullptr) {
      ADD_FAILURE() << "dlopen " << AIC_FAKE_NVML << ": " << dlerror();
    }
  }
  FakeNvml(const FakeNvml&) = delete;
  FakeNvml& operator=(const FakeNvml&) = delete;
  ~FakeNvml() {
    if (handle_ != nullptr) {
      set_init_result(0);
      dlclose(handle_);
    }
  }

  void set_init_result(int result) const {
    reinterpret_cast<void (*)(int)>(dlsym(handle_, "aic_fake_nvml_set_init_result"))(result);
  }
  int active() const {
    return reinterpret_cast<int (*)()>(dlsym(handle_, "aic_fake_nvml_active"))();
  }

private:
  void* handle_;
};

const char* const kSmiScript = R"(#!/bin/sh
[ "$1" = "--query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu" ] || exit 2
[ "$2" = "--format=csv,noheader,nounits" ] || exit 2
echo "0, GPU-8932f937-d72c-4106-c12f-20bd9faed9f6, NVIDIA A100-SXM4-40GB, 40960, 1024, 37"
echo "1, GPU-1f2e3d4c-0000-4106-c12f-20bd9faed9f6, NVIDIA A100-SXM4-40GB, 40960, 0, 0"
)";

std::string inventory_json(const std::string& devices) {
  return R"({"source":"fake","driver":"nvidia","devices":[)" + devices + "]}";
}

// --- NVML --------------------------------------------------------------------------------------

TEST(Inventory, NvmlProbeReadsDevicesFromTheLibrary) {
  const Result<Inventory> inventory = probe_nvml(AIC_FAKE_NVML);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "nvml");
  EXPECT_EQ(inventory->driver_version, "550.54.15");
  ASSERT_EQ(inventory->devices.size(), 2U);
  const Device& l4 = inventory->devices[0];
  EXPECT_EQ(l4.uuid, kUuidA0);
  EXPECT_EQ(l4.index, 0);
  EXPECT_EQ(l4.name, "Fake L4");
  EXPECT_EQ(l4.total_bytes, 24 * kGiB);
  EXPECT_EQ(l4.used_bytes, 1 * kGiB);
  EXPECT_EQ(l4.utilization, 10);
  EXPECT_FALSE(l4.mig);
  EXPECT_TRUE(l4.healthy);
  const Device& h100 = inventory->devices[1];
  EXPECT_EQ(h100.uuid, kUuidA2);
  EXPECT_EQ(h100.index, 2);
  EXPECT_EQ(h100.name, "Fake H100");
  EXPECT_EQ(h100.total_bytes, 80 * kGiB);
  EXPECT_EQ(h100.used_bytes, 0U);
}

TEST(Inventory, NvmlProbeSkipsDevicesItMayNotOpenAndNamesThem) {
  const Result<Inventory> inventory = probe_nvml(AIC_FAKE_NVML);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_THAT(inventory->detail, StartsWith("NVML: "));
  EXPECT_THAT(inventory->detail, HasSubstr("device 1 skipped"));
  EXPECT_THAT(inventory->detail, HasSubstr("Insufficient Permissions"));
}

TEST(Inventory, NvmlProbeReportsMigAndUnsupportedUtilizationAsUnknown) {
  const Result<Inventory> inventory = probe_nvml(AIC_FAKE_NVML);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  ASSERT_EQ(inventory->devices.size(), 2U);
  EXPECT_TRUE(inventory->devices[1].mig);
  EXPECT_EQ(inventory->devices[1].utilization, -1);
}

TEST(Inventory, NvmlProbeShutsDownEveryInitItMade) {
  const FakeNvml nvml;

  ASSERT_TRUE(probe_nvml(AIC_FAKE_NVML));
  ASSERT_TRUE(probe_nvml(AIC_FAKE_NVML));

  EXPECT_EQ(nvml.active(), 0);
}

TEST(Inventory, NvmlProbeReportsAFailedInitInNvmlsWords) {
  const FakeNvml nvml;
  nvml.set_init_result(9);

  const Result<Inventory> inventory = probe_nvml(AIC_FAKE_NVML);

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().message(), "NVML: nvmlInit_v2 failed: Driver Not Loaded");
  EXPECT_EQ(nvml.active(), 0);
}

TEST(Inventory, NvmlProbeNamesALibraryThatCannotBeLoaded) {
  const ScratchDir dir;
  const std::string missing = dir.path("libnvidia-ml.so.1");

  const Result<Inventory> inventory = probe_nvml(missing);

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().code(), ErrorCode::EngineUnavailable);
  EXPECT_THAT(inventory.error().message(), StartsWith("NVML: "));
  EXPECT_THAT(inventory.error().message(), HasSubstr(missing));
}

TEST(Inventory, NvmlProbeNamesTheFirstRequiredSymbolALibraryLacks) {
  const Result<Inventory> inventory = probe_nvml("libc.so.6");

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().message(), "NVML: libc.so.6 lacks nvmlInit_v2");
}

// --- nvidia-smi CSV ----------------------------------------------------------------------------

TEST(Inventory, SmiCsvGivesOneDevicePerLineWithMemoryInMiB) {
  const Result<std::vector<Device>> devices =
      parse_smi_csv("0, GPU-aaaa, NVIDIA A100-SXM4-40GB, 40960, 1024, 37\n"
                    "\n"
                    "1, GPU-bbbb, NVIDIA L4, 23034, 0, 0\n");

  ASSERT_TRUE(devices) << devices.error().describe();
  ASSERT_EQ(devices->size(), 2U);
  EXPECT_EQ((*devices)[0].index, 0);
  EXPECT_EQ((*devices)[0].uuid, "GPU-aaaa");
  EXPECT_EQ((*devices)[0].name, "NVIDIA A100-SXM4-40GB");
  EXPECT_EQ((*devices)[0].total_bytes, 40960 * kMiB);
  EXPECT_EQ((*devices)[0].used_bytes, 1024 * kMiB);
  EXPECT_EQ((*devices)[0].utilization, 37);
  EXPECT_EQ((*devices)[1].index, 1);
  EXPECT_EQ((*devices)[1].uuid, "GPU-bbbb");
  EXPECT_EQ((*devices)[1].total_bytes, 23034 * kMiB);
  EXPECT_EQ((*devices)[1].utilization, 0);
}

TEST(Inventory, SmiCsvReadsBracketedFieldsAsUnknown) {
  const Result<std::vector<Device>> devices = parse_smi_csv(
      "0, GPU-aaaa, NVIDIA A100, [N/A], [Insufficient Permissions], [Not Supported]\r\n");

  ASSERT_TRUE(devices) << devices.error().describe();
  ASSERT_EQ(devices->size(), 1U);
  EXPECT_EQ((*devices)[0].total_bytes, 0U);
  EXPECT_EQ((*devices)[0].used_bytes, 0U);
  EXPECT_EQ((*devices)[0].utilization, -1);
}

TEST(Inventory, SmiCsvNamesTheLineWithTheWrongFieldCount) {
  const Result<std::vector<Device>> devices =
      parse_smi_csv("0, GPU-aaaa, NVIDIA L4, 23034, 0, 0\n1, GPU-bbbb, NVIDIA L4\n");

  ASSERT_FALSE(devices);
  EXPECT_EQ(devices.error().message(), "nvidia-smi line 2: expected 6 fields, got 3");
}

TEST(Inventory, SmiCsvNamesTheLineWithABadIndexOrMemory) {
  const Result<std::vector<Device>> index = parse_smi_csv("x, GPU-aaaa, NVIDIA L4, 23034, 0, 0\n");
  const Result<std::vector<Device>> memory =
      parse_smi_csv("\n0, GPU-aaaa, NVIDIA L4, 23034 MiB, 0, 0\n");

  ASSERT_FALSE(index);
  EXPECT_EQ(index.error().message(), "nvidia-smi line 1: invalid index \"x\"");
  ASSERT_FALSE(memory);
  EXPECT_EQ(memory.error().message(), "nvidia-smi line 2: invalid memory.total \"23034 MiB\"");
}

TEST(Inventory, SmiCsvAcceptsTheFiveFieldFormWithoutUtilization) {
  const Result<std::vector<Device>> devices =
      parse_smi_csv("0, GPU-8932f937, NVIDIA A100-SXM4-40GB, 40960, 0\n");

  ASSERT_TRUE(devices) << devices.error().describe();
  ASSERT_EQ(devices->size(), 1U);
  EXPECT_EQ((*devices)[0].total_bytes, 40960 * kMiB);
  EXPECT_EQ((*devices)[0].utilization, -1);
}

// --- nvidia-smi process ------------------------------------------------------------------------

TEST(Inventory, SmiProbeRunsTheCommandAndParsesWhatItPrints) {
  ScratchDir dir;
  const std::string smi = dir.write("nvidia-smi", kSmiScript, true);

  const Result<Inventory> inventory = probe_smi(smi, std::chrono::seconds(10));

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "nvidia-smi");
  ASSERT_EQ(inventory->devices.size(), 2U);
  EXPECT_EQ(inventory->devices[0].uuid, "GPU-8932f937-d72c-4106-c12f-20bd9faed9f6");
  EXPECT_EQ(inventory->devices[0].used_bytes, 1024 * kMiB);
  EXPECT_EQ(inventory->devices[0].utilization, 37);
  EXPECT_EQ(inventory->devices[1].index, 1);
}

TEST(Inventory, SmiProbeKillsACommandThatOutlivesItsTimeout) {
  ScratchDir dir;
  const std::string smi = dir.write("nvidia-smi", "#!/bin/sh\nsleep 30\n", true);

  const auto start = std::chrono::steady_clock::now();
  const Result<Inventory> inventory = probe_smi(smi, std::chrono::seconds(1));

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().code(), ErrorCode::Timeout);
  EXPECT_THAT(inventory.error().message(), HasSubstr("timed out"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(Inventory, SmiProbeReportsANonZeroExitStatus) {
  ScratchDir dir;
  const std::string smi =
      dir.write("nvidia-smi", "#!/bin/sh\necho 'NVML failed' >&2\nexit 3\n", true);

  const Result<Inventory> inventory = probe_smi(smi, std::chrono::seconds(10));

  ASSERT_FALSE(inventory);
  EXPECT_THAT(inventory.error().message(), HasSubstr("exited with status 3"));
}

TEST(Inventory, SmiProbeReportsAMissingCommandAsNotFound) {
  const ScratchDir dir;

  const Result<Inventory> on_path = probe_smi("aic-no-such-nvidia-smi", std::chrono::seconds(5));
  const Result<Inventory> by_path = probe_smi(dir.path("nvidia-smi"), std::chrono::seconds(5));

  ASSERT_FALSE(on_path);
  EXPECT_THAT(on_path.error().message(), StartsWith("nvidia-smi"));
  EXPECT_THAT(on_path.error().message(), HasSubstr("not found"));
  ASSERT_FALSE(by_path);
  EXPECT_THAT(by_path.error().message(), HasSubstr("not found"));
}

TEST(Inventory, SmiProbeRejectsOutputWithoutDevices) {
  ScratchDir dir;
  const std::string smi = dir.write("nvidia-smi", "#!/bin/sh\nexit 0\n", true);

  const Result<Inventory> inventory = probe_smi(smi, std::chrono::seconds(10));

  ASSERT_FALSE(inventory);
  EXPECT_THAT(inventory.error().message(), HasSubstr("no devices"));
}

TEST(Inventory, SmiProbeStopsReadingAfterOneMiB) {
  ScratchDir dir;
  const std::string smi =
      dir.write("nvidia-smi", "#!/bin/sh\nyes '0, GPU-a0, Fake L4, 23034, 0, 0'\n", true);

  const Result<Inventory> inventory = probe_smi(smi, std::chrono::seconds(10));

  ASSERT_FALSE(inventory);
  EXPECT_THAT(inventory.error().message(), HasSubstr("output exceeds 1 MiB"));
}

// --- inventory file ----------------------------------------------------------------------------

TEST(Inventory, FileReadsDevicesWithSizesInUnits) {
  const Result<Inventory> inventory = parse_inventory_file(
      inventory_json(
          R"({"index": 1, "uuid": "GPU-a1", "name": "Fake L4", "memory_total": "24GiB"},)"
          R"({"index": 0, "uuid": "GPU-a0", "name": "Fake L4", "memory_total": 25769803776,)"
          R"( "memory_used": "512MiB", "utilization": 5, "mig": true, "healthy": false})"),
      "inventory.json");

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "fake");
  ASSERT_EQ(inventory->devices.size(), 2U);
  const Device& a0 = inventory->devices[0];
  EXPECT_EQ(a0.uuid, "GPU-a0");
  EXPECT_EQ(a0.total_bytes, 24 * kGiB);
  EXPECT_EQ(a0.used_bytes, 512 * kMiB);
  EXPECT_EQ(a0.utilization, 5);
  EXPECT_TRUE(a0.mig);
  EXPECT_FALSE(a0.healthy);
  const Device& a1 = inventory->devices[1];
  EXPECT_EQ(a1.uuid, "GPU-a1");
  EXPECT_EQ(a1.index, 1);
  EXPECT_EQ(a1.total_bytes, 24 * kGiB);
  EXPECT_EQ(a1.used_bytes, 0U);
  EXPECT_EQ(a1.utilization, -1);
  EXPECT_FALSE(a1.mig);
  EXPECT_TRUE(a1.healthy);
}

TEST(Inventory, FileSizesAreBinaryWhateverTheSpelling) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"24GiB", 24 * kGiB},     {"24 GiB", 24 * kGiB},  {"24G", 24 * kGiB},
      {"24gb", 24 * kGiB},      {"512MiB", 512 * kMiB}, {"1024", 1024},
      {"1.5GiB", 3 * kGiB / 2}, {"2k", 2048},           {"1TiB", 1024 * kGiB},
  };
  for (const auto& [text, bytes] : cases) {
    const Result<Inventory> inventory = parse_inventory_file(
        inventory_json(R"({"uuid": "GPU-a0", "memory_total": ")" + std::string(text) + "\"}"),
        "inventory.json");
    ASSERT_TRUE(inventory) << text << ": " << inventory.error().describe();
    EXPECT_EQ(inventory->devices.at(0).total_bytes, bytes) << text;
  }
}

TEST(Inventory, FileErrorNamesTheDeviceAndKeyOfABadSize) {
  const Result<Inventory> inventory =
      parse_inventory_file(inventory_json(R"({"uuid": "GPU-a0", "memory_total": "24GiB"},)"
                                          R"({"uuid": "GPU-a1", "memory_total": "abc"})"),
                           "inventory.json");

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().code(), ErrorCode::InvalidSpec);
  EXPECT_EQ(inventory.error().message(),
            R"(inventory.json: devices[1].memory_total: invalid size "abc")");
}

TEST(Inventory, FileRejectsDuplicateUuidsAndIndexes) {
  const Result<Inventory> uuids = parse_inventory_file(
      inventory_json(R"({"index": 0, "uuid": "GPU-a0", "memory_total": "24GiB"},)"
                     R"({"index": 1, "uuid": "GPU-a0", "memory_total": "24GiB"})"),
      "inventory.json");
  const Result<Inventory> indexes = parse_inventory_file(
      inventory_json(R"({"index": 0, "uuid": "GPU-a0", "memory_total": "24GiB"},)"
                     R"({"index": 0, "uuid": "GPU-a1", "memory_total": "24GiB"})"),
      "inventory.json");

  ASSERT_FALSE(uuids);
  EXPECT_EQ(uuids.error().message(),
            R"(inventory.json: devices[1].uuid: duplicate "GPU-a0" (also devices[0]))");
  ASSERT_FALSE(indexes);
  EXPECT_EQ(indexes.error().message(),
            "inventory.json: devices[1].index: duplicate 0 (also devices[0])");
}

TEST(Inventory, FileRequiresEveryDeviceToHaveAUuid) {
  const Result<Inventory> inventory = parse_inventory_file(
      inventory_json(R"({"index": 0, "name": "Fake L4", "memory_total": "24GiB"})"),
      "inventory.json");

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().message(), "inventory.json: devices[0].uuid: missing");
}

TEST(Inventory, FileRejectsUnknownKeysAndWrongTypes) {
  const Result<Inventory> typo = parse_inventory_file(
      inventory_json(R"({"uuid": "GPU-a0", "memory_totl": "24GiB"})"), "inventory.json");
  const Result<Inventory> mig = parse_inventory_file(
      inventory_json(R"({"uuid": "GPU-a0", "memory_total": "24GiB", "mig": "yes"})"),
      "inventory.json");

  ASSERT_FALSE(typo);
  EXPECT_EQ(typo.error().message(), R"(inventory.json: devices[0]: unknown key "memory_totl")");
  ASSERT_FALSE(mig);
  EXPECT_THAT(mig.error().message(), StartsWith("inventory.json: devices[0].mig: "));
}

TEST(Inventory, FileMustBeAJsonObject) {
  const Result<Inventory> array = parse_inventory_file("[]", "inventory.json");
  const Result<Inventory> garbage = parse_inventory_file("{\"devices\": [", "inventory.json");

  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().message(), "inventory.json: not a JSON object");
  ASSERT_FALSE(garbage);
  EXPECT_THAT(garbage.error().message(), StartsWith("inventory.json: invalid JSON"));
}

TEST(Inventory, FileSourceIsFakeWhateverTheFileSays) {
  const Result<Inventory> inventory = parse_inventory_file(
      R"({"source": "nvml", "devices": [{"uuid": "GPU-a0", "memory_total": "1GiB"}]})",
      "inventory.json");

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "fake");
}

TEST(Inventory, ReadingAMissingFileNamesThePath) {
  const ScratchDir dir;
  const std::string missing = dir.path("gpus.json");

  const Result<Inventory> inventory = read_inventory_file(missing);

  ASSERT_FALSE(inventory);
  EXPECT_EQ(inventory.error().code(), ErrorCode::NotFound);
  EXPECT_THAT(inventory.error().message(), HasSubstr(missing));
}

TEST(Inventory, ReadingRefusesAFileOverOneMiB) {
  ScratchDir dir;
  const std::string big =
      dir.write("gpus.json", inventory_json("") + std::string(std::size_t{1} << 20, ' '));

  const Result<Inventory> inventory = read_inventory_file(big);

  ASSERT_FALSE(inventory);
  EXPECT_THAT(inventory.error().message(), HasSubstr("larger than 1 MiB"));
}

// --- probe order -------------------------------------------------------------------------------

TEST(Inventory, ProbeUsesTheConfiguredFileAndCallsItFake) {
  ScratchDir dir;
  InventoryConfig config;
  config.file = dir.write(
      "gpus.json", inventory_json(R"({"index": 0, "uuid": "GPU-a0", "memory_total": "24GiB"})"));
  config.nvml_library = AIC_FAKE_NVML;

  const Result<Inventory> inventory = probe_inventory(config);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "fake");
  ASSERT_EQ(inventory->devices.size(), 1U);
  EXPECT_EQ(inventory->devices[0].uuid, "GPU-a0");
}

TEST(Inventory, ProbeReturnsTheConfiguredFilesError) {
  const ScratchDir dir;
  InventoryConfig config;
  config.file = dir.path("gpus.json");
  config.nvml_library = AIC_FAKE_NVML;

  const Result<Inventory> inventory = probe_inventory(config);

  ASSERT_FALSE(inventory);
  EXPECT_THAT(inventory.error().message(), HasSubstr(config.file));
}

TEST(Inventory, ProbePrefersNvml) {
  ScratchDir dir;
  InventoryConfig config;
  config.nvml_library = AIC_FAKE_NVML;
  config.smi_command = dir.write("nvidia-smi", kSmiScript, true);

  const Result<Inventory> inventory = probe_inventory(config);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "nvml");
  EXPECT_EQ(inventory->devices.size(), 2U);
}

TEST(Inventory, ProbeFallsBackToSmiAndSaysWhyNvmlFailed) {
  ScratchDir dir;
  InventoryConfig config;
  config.nvml_library = dir.path("libnvidia-ml.so.1");
  config.smi_command = dir.write("nvidia-smi", kSmiScript, true);

  const Result<Inventory> inventory = probe_inventory(config);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "nvidia-smi");
  EXPECT_EQ(inventory->devices.size(), 2U);
  EXPECT_THAT(inventory->detail, StartsWith("NVML: "));
  EXPECT_THAT(inventory->detail, HasSubstr(config.nvml_library));
}

TEST(Inventory, ProbeWithoutNvmlOrSmiReportsNoneAndEveryFailure) {
  const ScratchDir dir;
  InventoryConfig config;
  config.nvml_library = dir.path("libnvidia-ml.so.1");
  config.smi_command = dir.path("nvidia-smi");

  const Result<Inventory> inventory = probe_inventory(config);

  ASSERT_TRUE(inventory) << inventory.error().describe();
  EXPECT_EQ(inventory->source, "none");
  EXPECT_TRUE(inventory->devices.empty());
  EXPECT_THAT(inventory->detail, StartsWith("NVML: "));
  EXPECT_THAT(inventory->detail, HasSubstr(config.nvml_library));
  EXPECT_THAT(inventory->detail, HasSubstr("; nvidia-smi"));
  EXPECT_THAT(inventory->detail, HasSubstr("not found"));
}

} // namespace
} // namespace aic::gpu
