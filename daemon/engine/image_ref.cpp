#include "engine/image_ref.hpp"

#include <cstddef>

namespace aic::engine {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDefaultDomain = "index.docker.io";
constexpr std::string_view kOfficialRepoPrefix = "library/";
constexpr std::string_view kDockerHubRegistryKey = "https://index.docker.io/v1/";
constexpr std::size_t kNameTotalLengthMax = 255;
constexpr std::size_t kTagLengthMax = 128;

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_alnum(char c) {
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_lower_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f');
}

bool has_upper(std::string_view s) {
  for (const char c : s) {
    if (c >= 'A' && c <= 'Z') {
      return true;
    }
  }
  return false;
}

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | "__" | "-"+
bool valid_path_component(std::string_view s) {
  std::size_t i = 0;
  while (true) {
    const std::size_t run = i;
    while (i < s.size() && is_lower_alnum(s[i])) {
      ++i;
    }
    if (i == run) {
      return false;
    }
    if (i == s.size()) {
      return true;
    }
    if (s[i] == '.') {
      ++i;
    } else if (s[i] == '_') {
      i += (i + 1 < s.size() && s[i + 1] == '_') ? 2 : 1;
    } else if (s[i] == '-') {
      while (i < s.size() && s[i] == '-') {
        ++i;
      }
    } else {
      return false;
    }
  }
}

bool valid_path(std::string_view path) {
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    if (!valid_path_component(path.substr(start, slash - start))) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

// domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) {
    return false;
  }
  for (const char c : s) {
    if (!is_alnum(c) && c != '-') {
      return false;
    }
  }
  return true;
}

// host [':' port], host := domain-component ('.' domain-component)* | '[' [a-fA-F0-9:]+ ']'
bool valid_domain(std::string_view domain) {
  std::string_view host = domain;
  std::string_view port;
  bool has_port = false;
  if (!domain.empty() && domain.front() == '[') {
    const std::size_t close = domain.find(']');
    if (close == std::string_view::npos || close == 1) {
      return false;
    }
    for (const char c : domain.substr(1, close - 1)) {
      if (!is_hex(c) && c != ':') {
        return false;
      }
    }
    const std::string_view after = domain.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return false;
      }
      has_port = true;
      port = after.substr(1);
    }
  } else {
    const std::size_t colon = domain.find(':');
    host = domain.substr(0, colon);
    if (colon != std::string_view::npos) {
      has_port = true;
      port = domain.substr(colon + 1);
    }
    std::size_t start = 0;
    while (true) {
      const std::size_t dot = host.find('.', start);
      if (!valid_domain_component(host.substr(start, dot - start))) {
        return false;
      }
      if (dot == std::string_view::npos) {
        break;
      }
      start = dot + 1;
    }
  }
  if (has_port) {
    if (port.empty()) {
      return false;
    }
    for (const char c : port) {
      if (!is_digit(c)) {
        return false;
      }
    }
  }
  return true;
}

// tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
bool valid_tag_characters(std::string_view tag) {
  if (tag.empty() || tag.front() == '.' || tag.front() == '-') {
    return false;
  }
  for (const char c : tag) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

// algorithm ':' hex, with go-digest's rule that the algorithm is a known one and the hex is
// lower-case and as long as its hash.
std::string digest_problem(std::string_view digest) {
  const std::size_t colon = digest.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return "invalid digest \"" + std::string(digest) + "\"";
  }
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  std::size_t length = 0;
  if (algorithm == "sha256") {
    length = 64;
  } else if (algorithm == "sha384") {
    length = 96;
  } else if (algorithm == "sha512") {
    length = 128;
  } else {
    return "unsupported digest algorithm \"" + std::string(algorithm) + "\"";
  }
  if (hex.size() != length) {
    return "invalid digest \"" + std::string(digest) + "\": " + std::string(algorithm) + " needs " +
           std::to_string(length) + " hex digits";
  }
  for (const char c : hex) {
    if (!is_lower_hex(c)) {
      return "invalid digest \"" + std::string(digest) + "\": not lower-case hex";
    }
  }
  return {};
}

bool is_image_id(std::string_view text) {
  if (text.size() != 64) {
    return false;
  }
  for (const char c : text) {
    if (!is_lower_hex(c)) {
      return false;
    }
  }
  return true;
}

std::string familiar_name(const ImageRef& ref) {
  if (ref.domain != kDefaultDomain) {
    return ref.name();
  }
  if (ref.path.starts_with(kOfficialRepoPrefix)) {
    const std::string_view rest = std::string_view(ref.path).substr(kOfficialRepoPrefix.size());
    if (rest.find('/') == std::string_view::npos) {
      return std::string(rest);
    }
  }
  return ref.path;
}

std::string with_tag_and_digest(std::string name, const ImageRef& ref) {
  if (!ref.tag.empty()) {
    name += ':';
    name += ref.tag;
  }
  if (!ref.digest.empty()) {
    name += '@';
    name += ref.digest;
  }
  return name;
}

} // namespace

std::string ImageRef::name() const {
  return domain + "/" + path;
}

std::string ImageRef::str() const {
  return with_tag_and_digest(name(), *this);
}

std::string ImageRef::familiar() const {
  return with_tag_and_digest(familiar_name(*this), *this);
}

std::string ImageRef::registry_key() const {
  return domain == kDefaultDomain ? std::string(kDockerHubRegistryKey) : domain;
}

Result<ImageRef> parse_image_ref(std::string_view text) {
  const auto invalid = [&](std::string_view why) {
    return Error(ErrorCode::InvalidSpec,
                 "invalid image reference \"" + std::string(text) + "\": " + std::string(why));
  };
  if (text.empty()) {
    return invalid("the reference is empty");
  }
  if (is_image_id(text)) {
    return invalid("a 64-character hexadecimal string is an image ID, not a repository name");
  }

  ImageRef ref;
  std::string_view remainder = text;
  const std::size_t slash = text.find('/');
  const std::string_view first = text.substr(0, slash);
  if (slash != std::string_view::npos && (first.find_first_of(".:") != std::string_view::npos ||
                                          first == "localhost" || has_upper(first))) {
    ref.domain = std::string(first);
    remainder = text.substr(slash + 1);
  } else {
    ref.domain = std::string(kDefaultDomain);
  }
  if (ref.domain == kLegacyDefaultDomain) {
    ref.domain = std::string(kDefaultDomain);
  }

  std::string_view name_and_tag = remainder;
  const std::size_t at = remainder.find('@');
  if (at != std::string_view::npos) {
    name_and_tag = remainder.substr(0, at);
    ref.digest = std::string(remainder.substr(at + 1));
    if (const std::string problem = digest_problem(ref.digest); !problem.empty()) {
      return invalid(problem);
    }
  }
  std::string_view path = name_and_tag;
  const std::size_t colon = name_and_tag.find(':');
  if (colon != std::string_view::npos) {
    path = name_and_tag.substr(0, colon);
    ref.tag = std::string(name_and_tag.substr(colon + 1));
    if (ref.tag.size() > kTagLengthMax) {
      return invalid("the tag is longer than 128 characters");
    }
    if (!valid_tag_characters(ref.tag)) {
      return invalid("invalid tag \"" + ref.tag + "\"");
    }
  }
  if (has_upper(path)) {
    return invalid("repository name must be lowercase");
  }
  if (!valid_domain(ref.domain)) {
    return invalid("invalid registry \"" + ref.domain + "\"");
  }
  if (!valid_path(path)) {
    return invalid("invalid repository name \"" + std::string(path) + "\"");
  }
  ref.path = std::string(path);
  if (ref.domain == kDefaultDomain && ref.path.find('/') == std::string::npos) {
    ref.path.insert(0, kOfficialRepoPrefix);
  }
  if (ref.name().size() > kNameTotalLengthMax) {
    return invalid("the repository name is longer than 255 characters");
  }
  if (ref.tag.empty() && ref.digest.empty()) {
    ref.tag = "latest";
  }
  return ref;
}

std::pair<std::string, std::string> split_for_pull(const ImageRef& ref) {
  return {ref.name(), ref.digest.empty() ? ref.tag : ref.digest};
}

} // namespace aic::engine
