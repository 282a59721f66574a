#include <httplib.h>

#include <string>

#include "server/dashboard_assets.h"
#include "server/router.h"

namespace cara::server {
namespace {

// The page loads only its own files and talks only to this server; nothing
// may frame it (clickjacking of the action buttons) or sniff its types.
constexpr char kContentSecurityPolicy[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void ServeAsset(const httplib::Request& req, httplib::Response& res, const std::string& name) {
  const DashboardAsset* asset = FindDashboardAsset(name);
  if (!asset) {
    res.status = 404;
    res.set_content("404 page not found\n", "text/plain; charset=utf-8");
    return;
  }
  res.set_header("Content-Security-Policy", kContentSecurityPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  // Revalidated on each load: an upgraded server serves its own files at
  // once, and an unchanged file costs a 304 without a body.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("ETag", asset->etag);
  if (req.get_header_value("If-None-Match") == asset->etag) {
    res.status = 304;
    return;
  }
  res.set_content(std::string(asset->body), asset->content_type);
}

}  // namespace

const DashboardAsset* FindDashboardAsset(std::string_view name) {
  for (const DashboardAsset& asset : DashboardAssets()) {
    if (name == asset.name) return &asset;
  }
  return nullptr;
}

void RegisterDashboardRoutes(Router& router) {
  router.Add("GET", "/ui", [](const auto&, auto& res, const PathParams&) {
    res.status = 301;
    res.set_header("Location", "/ui/");
  });
  router.Add("GET", "/ui/", [](const auto& req, auto& res, const PathParams&) {
    ServeAsset(req, res, "index.html");
  });
  router.Add("GET", "/ui/{asset}", [](const auto& req, auto& res, const PathParams& params) {
    ServeAsset(req, res, params.at("asset"));
  });
}

}  // namespace cara::server
