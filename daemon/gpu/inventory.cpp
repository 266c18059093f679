// The inventory file (source "fake") and the probe chain (inventory.hpp).

#include "gpu/inventory.hpp"

#include "gpu/probe_text.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <unistd.h>

namespace aic::gpu {
namespace {

using namespace probe_detail;

constexpr std::size_t kMaxInventoryFile = std::size_t{1} << 20;

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