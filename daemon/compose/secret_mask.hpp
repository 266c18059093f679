#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace aic::compose {

/// What a masked value is replaced with.
inline constexpr std::string_view kMaskedValue = "********";

/// True for a variable name that usually holds a credential: it contains PASSWORD, PASSWD,
/// PASSPHRASE, SECRET, TOKEN, CREDENTIAL, API_KEY, APIKEY, ACCESS_KEY or PRIVATE_KEY, or ends
/// in _PASS, _PWD or _KEY (any case).
bool looks_secret(std::string_view name);

/// `value` with the password of every URL in it ("postgres://user:pass@host") masked; the
/// rest, user name included, unchanged.
std::string mask_url_passwords(std::string_view value);

/// Masks, in a project model as compose::to_json() gives it, the values of services'
/// `environment` and `build.args` entries whose names look_secret(), and the passwords of URLs
/// in every other such value. Nulls (taken from the environment at run time) stay null.
void mask_secrets(nlohmann::json& model);

} // namespace aic::compose
