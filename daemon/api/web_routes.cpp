#include "api/web_routes.hpp"

#include "api/responder.hpp"
#include "api/web_assets.hpp"

#include <boost/asio/awaitable.hpp>
#include <string>

namespace aic::api {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kIndex = "/index.html";

/// The embedded file served at `path` ("/" is the index), or nullptr.
const WebAsset* find_asset(std::string_view path) {
  if (path == "/") {
    path = kIndex;
  }
  for (const WebAsset& asset : web_assets()) {
    if (asset.path == path) {
      return &asset;
    }
  }
  return nullptr;
}

asio::awaitable<void> serve_asset(const WebAsset& asset, Responder& responder) {
  // Revalidated on every load, so a new aicd's dashboard is never mixed with an old one's.
  responder.set_header("Cache-Control", "no-cache");
  responder.set_header("X-Content-Type-Options", "nosniff");
  responder.set_header("Content-Security-Policy", std::string(kDashboardCsp));
  responder.set_header("Referrer-Policy", "no-referrer");
  const std::string_view type = asset.content_type;
  const std::string_view body = asset.body;
  co_await responder.respond(200, type, body);
}

void add_asset_route(Router& router, std::string_view path, const WebAsset& asset) {
  const WebAsset* served = &asset;
  router.add(http::verb::get, path,
             [served](Request&, Responder& responder) { return serve_asset(*served, responder); });
}

} // namespace

void add_web_routes(Router& router) {
  const WebAsset* index = find_asset(kIndex);
  if (index != nullptr) {
    add_asset_route(router, "/", *index);
  }
  for (const WebAsset& asset : web_assets()) {
    add_asset_route(router, asset.path, asset);
  }
}

bool is_public_request(http::verb method, std::string_view target) {
  if (method != http::verb::get) {
    return false;
  }
  const std::size_t query = target.find('?');
  const std::string_view path = target.substr(0, query);
  return find_asset(path) != nullptr;
}

} // namespace aic::api
