#pragma once

// Image references read like docker/distribution's reference.ParseNormalizedNamed followed by
// TagNameOnly (what `docker pull` does): "redis" is docker.io/library/redis:latest.

#include "core/result.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace aic::engine {

/// A normalized image reference. `tag` is "latest" when neither a tag nor a digest was given,
/// and "" when only a digest was; both may be set ("redis:7@sha256:...").
struct ImageRef {
  std::string domain; // "docker.io", "localhost:5000", "ghcr.io"
  std::string path;   // "library/redis"
  std::string tag;
  std::string digest; // "sha256:<64 hex>"

  /// "docker.io/library/redis"
  std::string name() const;
  /// "docker.io/library/redis:latest", with "@digest" when there is one.
  std::string str() const;
  /// The short form the docker CLI prints: "redis:latest", "user/app:1", "ghcr.io/o/x:2".
  std::string familiar() const;
  /// The key of this registry's credentials in ~/.docker/config.json:
  /// "https://index.docker.io/v1/" for Docker Hub, otherwise the domain.
  std::string registry_key() const;

  bool operator==(const ImageRef&) const = default;
};

/// Parses and normalizes a reference: the first path component is a registry when it contains
/// '.' or ':', is "localhost", or has upper-case letters; otherwise the image is on docker.io, and
/// single-component names get "library/"; "index.docker.io" becomes "docker.io". Errors are
/// InvalidSpec quoting the reference: `invalid image reference "Redis": repository name must be
/// lowercase`.
Result<ImageRef> parse_image_ref(std::string_view text);

/// The fromImage and tag parameters of POST /images/create: {"docker.io/library/redis",
/// "latest"}; the second is the digest when the reference has one.
std::pair<std::string, std::string> split_for_pull(const ImageRef& ref);

} // namespace aic::engine
