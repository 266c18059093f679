#include "api/request.hpp"

#include <algorithm>

namespace aic::api {

namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [](char x, char y) { return lower(x) < lower(y); });
}

std::optional<std::string_view> Request::header(std::string_view name) const {
  const auto it = headers.find(name);
  if (it == headers.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

const std::string& Request::param(const std::string& name) const {
  static const std::string kNone;
  const auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

std::optional<std::string_view> Request::query_value(const std::string& name) const {
  const auto it = query.find(name);
  if (it == query.end()) {
    return std::nullopt;
  }
  return std::string_view(it->second);
}

std::optional<std::string> url_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return std::nullopt;
      }
      const int high = hex_value(text[i + 1]);
      const int low = hex_value(text[i + 2]);
      if (high < 0 || low < 0 || (high == 0 && low == 0)) {
        return std::nullopt;
      }
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<void> parse_target(std::string_view target, Request& request) {
  if (target.empty() || target.front() != '/') {
    return Error(ErrorCode::InvalidSpec,
                 "request target '" + std::string(target) + "' is not an absolute path");
  }
  const std::size_t mark = target.find('?');
  request.path = std::string(target.substr(0, mark));
  request.query.clear();
  if (mark == std::string_view::npos) {
    return {};
  }
  std::string_view rest = target.substr(mark + 1);
  const std::size_t fragment = rest.find('#');
  rest = rest.substr(0, fragment);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    auto name = url_decode(pair.substr(0, eq), true);
    auto value =
        url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!name || !value || name->empty()) {
      return Error(ErrorCode::InvalidSpec, "malformed query parameter '" + std::string(pair) + "'");
    }
    request.query[std::move(*name)] = std::move(*value);
  }
  return {};
}

} // namespace aic::api
