#pragma once

// Registry credentials from the docker CLI's config file (~/.docker/config.json), and the
// X-Registry-Auth / X-Registry-Config headers the engine reads them from. Credential helpers
// (credsStore, credHelpers) are not run: registries that need one are reported instead.

#include "core/result.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aic::engine {

/// Credentials for one registry: a username and password, or an identity token (OAuth refresh
/// token) from `docker login` against a registry that issues them.
struct RegistryAuth {
  std::string username;
  std::string password;
  std::string identity_token;
  std::string server_address; // the config key it came from: "https://index.docker.io/v1/"

  bool operator==(const RegistryAuth&) const = default;
};

/// The parts of config.json that matter for pulling and building. Immutable once parsed.
class DockerConfig {
public:
  /// Parses the file's text; blank text is an empty config, as for the CLI. Errors are
  /// InvalidSpec and start with `file_name_for_errors`: invalid JSON, a field of the wrong type,
  /// an "auth" that is not base64 of "user:password" (naming the registry).
  static Result<DockerConfig> parse(std::string_view json, std::string_view file_name_for_errors);

  /// The credentials stored in the file for a registry key (ImageRef::registry_key()). Matches
  /// like the CLI: the exact key first, then keys compared by host name without scheme and path
  /// ("https://registry.example.com/v1/" matches "registry.example.com"); "docker.io",
  /// "index.docker.io" and "registry-1.docker.io" all mean Docker Hub. Entries without
  /// credentials (those a credential helper fills) are not returned.
  std::optional<RegistryAuth> find(std::string_view registry_key) const;

  /// Registries whose credentials live only in a credential helper, sorted: the keys of
  /// credHelpers, and with a credsStore the auths entries that hold no credentials.
  std::vector<std::string> helper_only_registries() const;

  /// Whether the file names a credsStore or any credHelpers.
  bool uses_credential_helpers() const;

  /// Every entry that holds credentials, by its key in the file.
  const std::map<std::string, RegistryAuth>& auths() const { return auths_; }

private:
  std::map<std::string, RegistryAuth> auths_;
  std::vector<std::string> empty_auths_; // keys listed without credentials
  std::string creds_store_;
  std::map<std::string, std::string> cred_helpers_;
};

/// The X-Registry-Auth value: base64url (with padding) of {"username","password","serveraddress"}
/// or, when there is an identity token, {"identitytoken","serveraddress"}.
std::string registry_auth_header(const RegistryAuth& auth);

/// The X-Registry-Config value for builds: base64url of {"<key>": <the same object as above>}
/// for every entry with credentials, keys sorted.
std::string registry_config_header(const DockerConfig& config);

/// Reads $DOCKER_CONFIG/config.json, or $HOME/.docker/config.json when DOCKER_CONFIG is unset or
/// empty (arguments are the environment values, null when unset). nullopt when the file does not
/// exist or neither variable is set; an unreadable, oversized (over 4 MiB) or invalid file is an
/// InvalidSpec error naming it.
Result<std::optional<DockerConfig>> load_docker_config(const char* docker_config_env,
                                                       const char* home_env);

} // namespace aic::engine
