#pragma once

#include "api/router.hpp"

#include <boost/beast/http/verb.hpp>
#include <string_view>

namespace aic::api {

/// GET /, /index.html, /app.js and /style.css: the dashboard's static files (docs/api.md
/// "Dashboard"), embedded in aicd.
void add_web_routes(Router& router);

/// True for the requests that need no token even on TCP: a GET of one of the dashboard's files
/// (`target` is the raw request target; a query is ignored, the path must match exactly). The
/// files hold no data; everything they show comes from routes that do need the token.
bool is_public_request(boost::beast::http::verb method, std::string_view target);

/// The Content-Security-Policy the dashboard's files are served with.
inline constexpr std::string_view kDashboardCsp =
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

} // namespace aic::api
