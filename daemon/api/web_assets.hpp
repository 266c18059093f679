#pragma once

#include <span>
#include <string_view>

namespace aic::api {

/// One file of the dashboard, compiled into aicd from web/ (cmake/embed_web_assets.cmake).
struct WebAsset {
  std::string_view path;         ///< "/index.html"
  std::string_view content_type; ///< "text/html; charset=utf-8"
  std::string_view body;
};

/// Every embedded file, in the order the build lists them. Static storage; never empty.
std::span<const WebAsset> web_assets();

} // namespace aic::api
