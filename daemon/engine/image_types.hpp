#pragma once

#include "engine/container_types.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aic::engine {

/// One entry of GET /images/json.
struct ImageSummary {
  std::string id; ///< "sha256:…"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::int64_t created = 0; ///< unix seconds
  std::int64_t size_bytes = 0;
  std::map<std::string, std::string> labels;

  bool operator==(const ImageSummary&) const = default;
};

/// The defaults an image gives the containers made from it.
struct ImageConfig {
  std::vector<std::string> env; ///< "K=V"
  std::optional<std::vector<std::string>> cmd;
  std::optional<std::vector<std::string>> entrypoint;
  std::map<std::string, std::string> labels;
  std::vector<std::string> exposed_ports; ///< "80/tcp", sorted
  std::string user;
  std::string working_dir;
  std::string stop_signal;
  std::optional<HealthConfig> healthcheck;
  std::vector<std::string> volumes; ///< paths of anonymous volumes, sorted

  bool operator==(const ImageConfig&) const = default;
};

/// GET /images/{name}/json.
struct ImageInspect {
  std::string id; ///< "sha256:…"
  std::vector<std::string> repo_tags;
  std::vector<std::string> repo_digests;
  std::string created; ///< RFC 3339
  std::string architecture;
  std::string os;
  std::int64_t size_bytes = 0;
  ImageConfig config;

  bool operator==(const ImageInspect&) const = default;
};

/// One object of the pull, push or build progress stream. Errors arrive inside a 200 stream,
/// so every message must be checked with is_error().
struct ProgressMessage {
  std::string id;       ///< layer id for pull/push progress, "" otherwise
  std::string status;   ///< "Downloading", "Pull complete", "Digest: sha256:…", …
  std::string progress; ///< the engine's progress bar text
  std::int64_t current = 0;
  std::int64_t total = 0; ///< 0 when unknown
  std::string stream;     ///< build output text, newlines included
  std::string aux_id;     ///< aux.ID: the built image's id
  std::string error_message;

  bool is_error() const { return !error_message.empty(); }
  bool operator==(const ProgressMessage&) const = default;
};

} // namespace aic::engine
