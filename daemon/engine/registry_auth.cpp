#include "engine/registry_auth.hpp"

#include "engine/base64.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>
#include <utility>

namespace aic::engine {
namespace {

constexpr std::size_t kMaxConfigBytes = std::size_t{4} << 20;

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

bool has_credentials(const RegistryAuth& auth) {
  return !auth.username.empty() || !auth.password.empty() || !auth.identity_token.empty();
}

// The CLI's ConvertToHostname: scheme and everything from the first '/' dropped. Docker Hub's
// aliases are folded into one name so that any of them finds the others' credentials.
std::string_view host_of(std::string_view key) {
  if (key.starts_with("http://")) {
    key.remove_prefix(7);
  } else if (key.starts_with("https://")) {
    key.remove_prefix(8);
  }
  key = key.substr(0, key.find('/'));
  if (key == "docker.io" || key == "registry-1.docker.io") {
    return "index.docker.io";
  }
  return key;
}

std::string in_quotes(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

// A string member of `object`, "" when absent or null; false when it is of another type.
bool read_string(const Json& object, const char* field, std::string& out) {
  const auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    return true;
  }
  if (!it->is_string()) {
    return false;
  }
  out = it->get<std::string>();
  return true;
}

OrderedJson auth_json(const RegistryAuth& auth) {
  OrderedJson json;
  if (!auth.identity_token.empty()) {
    json["identitytoken"] = auth.identity_token;
  } else {
    json["username"] = auth.username;
    json["password"] = auth.password;
  }
  json["serveraddress"] = auth.server_address;
  return json;
}

std::string encode_header(const OrderedJson& json) {
  return base64_encode(json.dump(-1, ' ', false, OrderedJson::error_handler_t::replace),
                       Base64Alphabet::Url);
}

} // namespace

Result<DockerConfig> DockerConfig::parse(std::string_view json,
                                         std::string_view file_name_for_errors) {
  const std::string file(file_name_for_errors);
  const auto invalid = [&](const std::string& why) {
    return Error(ErrorCode::InvalidSpec, file + ": " + why);
  };
  DockerConfig config;
  if (std::all_of(json.begin(), json.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; })) {
    return config;
  }
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const Json::parse_error& e) {
    return invalid("invalid JSON at byte " + std::to_string(e.byte));
  } catch (const Json::exception&) {
    // A number past double's range (1e999) is an out_of_range error, not a parse_error.
    return invalid("invalid JSON: a number is out of range");
  }
  if (!root.is_object()) {
    return invalid("expected a JSON object");
  }

  if (const auto auths = root.find("auths"); auths != root.end() && !auths->is_null()) {
    if (!auths->is_object()) {
      return invalid("\"auths\" must be an object");
    }
    for (const auto& [key, entry] : auths->items()) {
      if (entry.is_null()) {
        config.empty_auths_.push_back(key);
        continue;
      }
      if (!entry.is_object()) {
        return invalid("auths." + in_quotes(key) + " must be an object");
      }
      RegistryAuth auth;
      std::string encoded;
      for (const auto& [field, target] : {std::pair<const char*, std::string*>{"auth", &encoded},
                                          {"username", &auth.username},
                                          {"password", &auth.password},
                                          {"identitytoken", &auth.identity_token}}) {
        if (!read_string(entry, field, *target)) {
          return invalid("auths." + in_quotes(key) + "." + field + " must be a string");
        }
      }
      if (!encoded.empty()) {
        const auto decoded = base64_decode(encoded);
        if (!decoded) {
          return invalid("the auth of registry " + in_quotes(key) + " is not valid base64");
        }
        const std::size_t colon = decoded->find(':');
        if (colon == std::string::npos || colon == 0) {
          return invalid("the auth of registry " + in_quotes(key) +
                         " is not base64 of \"user:password\"");
        }
        auth.username = decoded->substr(0, colon);
        auth.password = decoded->substr(colon + 1);
        // Like the CLI, which trims NULs some old tools appended to the password.
        const std::size_t first = auth.password.find_first_not_of('\0');
        const std::size_t last = auth.password.find_last_not_of('\0');
        auth.password =
            first == std::string::npos ? "" : auth.password.substr(first, last - first + 1);
      }
      auth.server_address = key;
      if (has_credentials(auth)) {
        config.auths_.emplace(key, std::move(auth));
      } else {
        config.empty_auths_.push_back(key);
      }
    }
  }

  if (!read_string(root, "credsStore", config.creds_store_)) {
    return invalid("\"credsStore\" must be a string");
  }
  if (const auto helpers = root.find("credHelpers"); helpers != root.end() && !helpers->is_null()) {
    if (!helpers->is_object()) {
      return invalid("\"credHelpers\" must be an object");
    }
    for (const auto& [key, helper] : helpers->items()) {
      if (!helper.is_string()) {
        return invalid("credHelpers." + in_quotes(key) + " must be a string");
      }
      config.cred_helpers_.emplace(key, helper.get<std::string>());
    }
  }
  return config;
}

std::optional<RegistryAuth> DockerConfig::find(std::string_view registry_key) const {
  if (const auto it = auths_.find(std::string(registry_key)); it != auths_.end()) {
    return it->second;
  }
  const std::string_view host = host_of(registry_key);
  for (const auto& [key, auth] : auths_) {
    if (host_of(key) == host) {
      return auth;
    }
  }
  return std::nullopt;
}

std::vector<std::string> DockerConfig::helper_only_registries() const {
  std::vector<std::string> out;
  for (const auto& [key, helper] : cred_helpers_) {
    if (!find(key)) {
      out.push_back(key);
    }
  }
  if (!creds_store_.empty()) {
    for (const auto& key : empty_auths_) {
      if (!find(key)) {
        out.push_back(key);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool DockerConfig::uses_credential_helpers() const {
  return !creds_store_.empty() || !cred_helpers_.empty();
}

std::string registry_auth_header(const RegistryAuth& auth) {
  return encode_header(auth_json(auth));
}

std::string registry_config_header(const DockerConfig& config) {
  OrderedJson json = OrderedJson::object();
  for (const auto& [key, auth] : config.auths()) {
    json[key] = auth_json(auth);
  }
  return encode_header(json);
}

Result<std::optional<DockerConfig>> load_docker_config(const char* docker_config_env,
                                                       const char* home_env) {
  std::string path;
  if (docker_config_env != nullptr && *docker_config_env != '\0') {
    path = std::string(docker_config_env) + "/config.json";
  } else if (home_env != nullptr && *home_env != '\0') {
    path = std::string(home_env) + "/.docker/config.json";
  } else {
    return std::optional<DockerConfig>();
  }
  const auto unreadable = [&](int error) {
    return Error(ErrorCode::InvalidSpec, "cannot read " + path + ": " + std::strerror(error));
  };

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::optional<DockerConfig>();
    }
    return unreadable(errno);
  }
  std::string content;
  char buffer[16384];
  int error = 0;
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      error = errno;
      break;
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
    if (content.size() > kMaxConfigBytes) {
      ::close(fd);
      return Error(ErrorCode::InvalidSpec, path + ": larger than 4 MiB; not a docker config file");
    }
  }
  ::close(fd);
  if (error != 0) {
    return unreadable(error);
  }
  auto config = DockerConfig::parse(content, path);
  if (!config) {
    return std::move(config).error();
  }
  return std::optional<DockerConfig>(std::move(config).value());
}

} // namespace aic::engine
