#include "engine/wire.hpp"
#include "engine/wire_json.hpp"

#include <limits>

namespace aic::engine {

using wire::Node;

Result<EngineVersion> decode_engine_version(std::string_view body) {
  return wire::decode_object<EngineVersion>(body, "engine version",
                                            [](const Node& root, EngineVersion& out) {
                                              root["Version"].read(out.version);
                                              root["ApiVersion"].read(out.api_version);
                                              root["MinAPIVersion"].read(out.min_api_version);
                                              root["Os"].read(out.os);
                                              root["Arch"].read(out.arch);
                                              root["KernelVersion"].read(out.kernel_version);
                                            });
}

Result<EngineInfo> decode_engine_info(std::string_view body) {
  return wire::decode_object<EngineInfo>(body, "engine info",
                                         [](const Node& root, EngineInfo& out) {
                                           root["ID"].read(out.id);
                                           root["Name"].read(out.name);
                                           root["ServerVersion"].read(out.server_version);
                                           root["OperatingSystem"].read(out.operating_system);
                                           root["KernelVersion"].read(out.kernel_version);
                                           root["Driver"].read(out.driver);
                                           root["CgroupVersion"].read(out.cgroup_version);
                                           root["Containers"].read(out.containers);
                                           root["Images"].read(out.images);
                                           root["NCPU"].read(out.ncpu);
                                           root["MemTotal"].read(out.mem_total_bytes);
                                           root["Runtimes"].read_keys(out.runtimes);
                                           root["DefaultRuntime"].read(out.default_runtime);
                                         });
}

Result<EngineEvent> decode_engine_event(std::string_view body) {
  return wire::decode_object<EngineEvent>(body, "event", [](const Node& root, EngineEvent& out) {
    root["Type"].read(out.type);
    root["Action"].read(out.action);
    root["Actor"]["ID"].read(out.actor_id);
    root["Actor"]["Attributes"].read(out.attributes);
    if (out.type.empty() && out.action.empty()) {
      // Engines before API 1.22 sent only the container fields status and id.
      root["status"].read(out.action);
      root["id"].read(out.actor_id);
      if (!out.action.empty()) {
        out.type = "container";
      }
    }
    const Node time_nano = root["timeNano"];
    if (time_nano.present()) {
      time_nano.read(out.time_ns);
      return;
    }
    std::int64_t seconds = 0;
    root["time"].read(seconds);
    constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
    if (seconds > std::numeric_limits<std::int64_t>::max() / kNanosPerSecond ||
        seconds < std::numeric_limits<std::int64_t>::min() / kNanosPerSecond) {
      root["time"].fail(std::to_string(seconds) + " seconds do not fit in nanoseconds");
      return;
    }
    out.time_ns = seconds * kNanosPerSecond;
  });
}

std::string engine_error_message(std::string_view body) {
  try {
    const auto json =
        wire::Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
    if (json.is_object()) {
      const auto message = json.find("message");
      if (message != json.end() && message->is_string()) {
        return wire::utf8_excerpt(message->get_ref<const std::string&>(),
                                  kMaxEngineErrorMessageBytes);
      }
    }
  } catch (const std::exception&) {
    // Fall through to the raw body.
  }
  constexpr std::string_view kSpace = " \t\r\n\f\v";
  const std::size_t first = body.find_first_not_of(kSpace);
  if (first == std::string_view::npos) {
    return {};
  }
  const std::size_t last = body.find_last_not_of(kSpace);
  return wire::utf8_excerpt(body.substr(first, last - first + 1), kMaxEngineErrorMessageBytes);
}

} // namespace aic::engine
