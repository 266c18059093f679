#include "compose/secret_mask.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace aic::compose {

namespace {

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

/// Masks one map of variables (environment, build args) in place.
void mask_variables(nlohmann::json& variables) {
  if (!variables.is_object()) {
    return;
  }
  for (auto& [name, value] : variables.items()) {
    if (!value.is_string()) {
      continue; // null: read from the environment when the container is made
    }
    const std::string text = value.get<std::string>();
    if (looks_secret(name) && !text.empty()) {
      value = std::string(kMaskedValue);
    } else {
      value = mask_url_passwords(text);
    }
  }
}

} // namespace

bool looks_secret(std::string_view name) {
  const std::string n = upper(name);
  constexpr std::array<std::string_view, 10> kInside = {
      "PASSWORD",   "PASSWD",  "PASSPHRASE", "SECRET",     "TOKEN",
      "CREDENTIAL", "API_KEY", "APIKEY",     "ACCESS_KEY", "PRIVATE_KEY"};
  for (std::string_view word : kInside) {
    if (n.find(word) != std::string::npos) {
      return true;
    }
  }
  return ends_with(n, "_PASS") || ends_with(n, "_PWD") || ends_with(n, "_KEY");
}

std::string mask_url_passwords(std::string_view value) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t scheme_end = value.find("://", pos);
    if (scheme_end == std::string_view::npos) {
      break;
    }
    const std::size_t authority = scheme_end + 3;
    std::size_t end = value.find_first_of("/?# \t\"'", authority);
    if (end == std::string_view::npos) {
      end = value.size();
    }
    const std::size_t at = value.substr(authority, end - authority).rfind('@');
    const std::size_t colon = at == std::string_view::npos ? std::string_view::npos
                                                           : value.substr(authority, at).find(':');
    if (colon == std::string_view::npos || colon + 1 == at) {
      out.append(value.substr(pos, end - pos));
    } else {
      out.append(value.substr(pos, authority + colon + 1 - pos));
      out.append(kMaskedValue);
      out.append(value.substr(authority + at, end - authority - at));
    }
    pos = end;
  }
  out.append(value.substr(pos));
  return out;
}

void mask_secrets(nlohmann::json& model) {
  auto services = model.find("services");
  if (services == model.end() || !services->is_object()) {
    return;
  }
  for (auto& [name, service] : services->items()) {
    if (!service.is_object()) {
      continue;
    }
    if (auto environment = service.find("environment"); environment != service.end()) {
      mask_variables(*environment);
    }
    if (auto build = service.find("build"); build != service.end() && build->is_object()) {
      if (auto args = build->find("args"); args != build->end()) {
        mask_variables(*args);
      }
    }
  }
}

} // namespace aic::compose
