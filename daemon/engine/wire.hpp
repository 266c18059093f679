#pragma once

// The JSON codec of the engine client: request bodies out, typed responses in. Internal to
// daemon/engine; everything above it sees only the *_types.hpp structs.

#include "core/result.hpp"
#include "engine/api_version.hpp"
#include "engine/container_types.hpp"
#include "engine/exec_types.hpp"
#include "engine/image_types.hpp"
#include "engine/network_types.hpp"
#include "engine/system_types.hpp"
#include "engine/volume_types.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

// Encoders: compact JSON with keys sorted; unset fields are left out rather than sent as null.
// Strings that are not valid UTF-8 are sent with U+FFFD in place of the bad bytes.

/// The POST /containers/create body: Config fields at the top level plus "HostConfig" and
/// "NetworkingConfig". `version` gates Healthcheck.StartInterval, the number of endpoints and
/// where the MAC address goes (see ContainerCreate). name and platform are not in the body.
std::string encode_container_create(const ContainerCreate& create, ApiVersion version);
/// The POST /containers/{id}/exec body.
std::string encode_exec_create(const ExecCreate& exec);
/// The POST /networks/create body; CheckDuplicate is sent only below API 1.44.
std::string encode_network_create(const NetworkCreate& network, ApiVersion version);
/// The POST /networks/{id}/connect body {"Container", "EndpointConfig"}.
std::string encode_network_connect(std::string_view container, const NetworkEndpoint& endpoint);
/// The POST /volumes/create body.
std::string encode_volume_create(const VolumeCreate& volume);

// Decoders: absent members and nulls give the field's empty value; a body that is not JSON, a
// member of the wrong type or a number that does not fit is EngineUnavailable "unexpected engine
// response: <what>: <path>: <problem>". They never throw.

Result<EngineVersion> decode_engine_version(std::string_view body);
Result<EngineInfo> decode_engine_info(std::string_view body);
/// One object of the GET /events stream; time_ns comes from timeNano, else time × 10^9.
Result<EngineEvent> decode_engine_event(std::string_view body);
/// {"Id", "Warnings": [...]} of a container or exec create, or {"Id", "Warning": "..."} of a
/// network create.
Result<CreatedId> decode_created_id(std::string_view body);
Result<std::vector<ContainerSummary>> decode_container_list(std::string_view body);
Result<ContainerInspect> decode_container_inspect(std::string_view body);
Result<ContainerWait> decode_container_wait(std::string_view body);
Result<ContainerTop> decode_container_top(std::string_view body);
Result<ExecInspect> decode_exec_inspect(std::string_view body);
Result<NetworkInspect> decode_network_inspect(std::string_view body);
Result<std::vector<NetworkInspect>> decode_network_list(std::string_view body);
Result<VolumeInspect> decode_volume_inspect(std::string_view body);
/// GET /volumes answers {"Volumes": [...], "Warnings": [...]}; the warnings are dropped.
Result<std::vector<VolumeInspect>> decode_volume_list(std::string_view body);
Result<std::vector<ImageSummary>> decode_image_list(std::string_view body);
Result<ImageInspect> decode_image_inspect(std::string_view body);
/// One object of a pull, push or build stream. An error inside the stream is a successful
/// decode whose is_error() is true.
Result<ProgressMessage> decode_progress_message(std::string_view body);

/// The text of an engine error body {"message": "..."}; for any other body the body itself with
/// surrounding whitespace trimmed. At most kMaxEngineErrorMessageBytes, cut at a UTF-8 boundary.
std::string engine_error_message(std::string_view body);
inline constexpr std::size_t kMaxEngineErrorMessageBytes = 1024;

} // namespace aic::engine
