#pragma once

// What GPUs this machine has (docs: ../shared/reference/gpu-scheduling.md part A, section 3).
// Probes, in order: NVML loaded at run time with dlopen (no NVIDIA headers or libraries at build
// time), then `nvidia-smi` CSV. A JSON inventory file replaces both when configured, and is
// reported as source "fake" everywhere. Every probe blocks: call them off the io_context.

#include "core/result.hpp"
#include "gpu/allocator.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace aic::gpu {

/// One probe's answer.
struct Inventory {
  std::string source; ///< "nvml", "nvidia-smi", "fake" (inventory file) or "none"
  std::string driver_version;
  std::vector<Device> devices; ///< in index order
  /// Why there are no devices, or what was skipped (one clause per probe):
  /// "NVML: libnvidia-ml.so.1: cannot open shared object file; nvidia-smi: not found".
  std::string detail;
};

struct InventoryConfig {
  std::string file; ///< --gpu-inventory / AIC_GPU_INVENTORY; "" = probe
  std::string nvml_library = "libnvidia-ml.so.1"; ///< AIC_NVML_LIBRARY overrides (tests)
  std::string smi_command = "nvidia-smi";         ///< looked up on PATH
  std::chrono::seconds smi_timeout{5};
};

/// NVML: index, UUID, name, total and used memory, utilization, MIG mode, driver version.
/// Devices NVML may not open are skipped (named in `detail`). Error when the library cannot be
/// loaded, lacks a required symbol, or nvmlInit fails; the message says which.
Result<Inventory> probe_nvml(const std::string& library);

/// `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,utilization.gpu
/// --format=csv,noheader,nounits`, killed after `timeout`. Error when it is missing, fails,
/// times out or prints nothing parseable.
Result<Inventory> probe_smi(const std::string& command, std::chrono::seconds timeout);

/// Parses that CSV: one device per line, fields trimmed; memory in MiB; "[N/A]"-style fields
/// are unknown (0 / -1), not errors; a line with the wrong field count or a bad index is an
/// error naming the line number.
Result<std::vector<Device>> parse_smi_csv(std::string_view text);

/// The inventory file: {"source":"fake","driver":"nvidia","devices":[{"index":0,
/// "uuid":"GPU-…","name":"Fake L4","memory_total":"24GiB","memory_used":"0","utilization":0,
/// "mig":false,"healthy":true}]}. Sizes are byte counts or strings with units (KiB…TiB, KB…,
/// k/m/g). `origin` names the file in errors. Errors name the device and key; duplicate UUIDs
/// or indexes are errors. The result's source is always "fake".
Result<Inventory> parse_inventory_file(std::string_view text, const std::string& origin);
Result<Inventory> read_inventory_file(const std::string& path);

/// The configured file when given (its error is returned), else NVML, else nvidia-smi, else
/// source "none" with every probe's failure in `detail`.
Result<Inventory> probe_inventory(const InventoryConfig& config);

} // namespace aic::gpu
