// The dashboard's static files (ui/ in the repository), compiled into the
// binary by cmake/embed_dashboard.cmake, and the routes that serve them.
#pragma once

#include <span>
#include <string_view>

namespace cara::server {

class Router;

struct DashboardAsset {
  const char* name;          // file name under ui/, e.g. "app.js"
  const char* content_type;  // by extension
  const char* etag;          // quoted, changes with the bytes
  std::string_view body;
};

// Every embedded file, sorted by name.
std::span<const DashboardAsset> DashboardAssets();

// The asset called `name`, or nullptr.
const DashboardAsset* FindDashboardAsset(std::string_view name);

// GET /ui (redirect), /ui/ (index.html) and /ui/{asset}. They are open: the
// page asks for a token and sends it with each API call it makes.
void RegisterDashboardRoutes(Router& router);

}  // namespace cara::server
