#pragma once

// Query strings for Engine API targets ("/containers/json?all=1&filters=...").

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aic::engine {

/// Percent-encodes every byte except RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~), with
/// upper-case hex: "a b/c" → "a%20b%2Fc".
std::string url_encode(std::string_view text);

/// Builds "?k=v&k2=v2" in insertion order; keys and values are url_encode'd here, so callers
/// pass raw text. Repeated keys are kept.
class Query {
public:
  Query& add(std::string_view key, std::string_view value);
  /// "1" or "0", as the engine reads booleans in queries.
  Query& add_bool(std::string_view key, bool value);
  /// Adds the pair only when `value` is non-empty.
  Query& add_if(std::string_view key, std::string_view value);
  /// Adds `filters=<encode_filters(filters)>` unless `filters` is empty.
  Query& add_filters(const std::map<std::string, std::vector<std::string>>& filters);

  /// "" when nothing was added, otherwise "?" and the pairs.
  std::string str() const;

private:
  std::vector<std::pair<std::string, std::string>> pairs_; // encoded
};

/// The JSON the engine expects in a `filters` parameter, keys sorted and values in the given
/// order: {"label":["a=b"],"type":["container"]}. Pass it to Query::add, which encodes it.
std::string encode_filters(const std::map<std::string, std::vector<std::string>>& filters);

} // namespace aic::engine
