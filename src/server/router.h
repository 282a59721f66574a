// Method + path-pattern routing with the reference's mux semantics: unknown
// path → 404 "404 page not found"; known path, wrong method → 405 with Allow;
// GET routes answer HEAD. Patterns are literal segments and `{name}`
// wildcards matching exactly one non-empty segment.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "server/httplib_fwd.h"

namespace cara::server {

class Metrics;

using PathParams = std::map<std::string, std::string>;
using RouteHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const PathParams&)>;

class Router {
 public:
  explicit Router(Metrics* metrics) : metrics_(metrics) {}

  void Add(const std::string& method, const std::string& pattern, RouteHandler handler);

  // Routes to a member function of a handler object shared by its routes.
  template <typename H>
  void Add(const std::string& method, const std::string& pattern, std::shared_ptr<H> handlers,
           void (H::*handle)(const httplib::Request&, httplib::Response&, const PathParams&)) {
    Add(method, pattern, [handlers, handle](const auto& req, auto& res, const PathParams& p) {
      ((*handlers).*handle)(req, res, p);
    });
  }

  // The five routes of a resource collection such as "/api/v1/nodes": POST
  // and GET on it, GET, PUT and DELETE on "<collection>/{name}", served by
  // H's Create, List, Get, Replace and Delete.
  template <typename H>
  void AddResource(const std::string& collection, std::shared_ptr<H> handlers) {
    const std::string item = collection + "/{name}";
    Add("POST", collection, handlers, &H::Create);
    Add("GET", collection, handlers, &H::List);
    Add("GET", item, handlers, &H::Get);
    Add("PUT", item, handlers, &H::Replace);
    Add("DELETE", item, handlers, &H::Delete);
  }

  // Every matched route then runs through `guard` (authentication,
  // authorization, audit), which calls the route's handler or answers itself.
  using Guard =
      std::function<void(const httplib::Request&, httplib::Response&, const std::string& pattern,
                         const PathParams&, const RouteHandler& handler)>;
  void SetGuard(Guard guard) { guard_ = std::move(guard); }

  void Dispatch(const httplib::Request& req, httplib::Response& res) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    RouteHandler handler;
  };
  static bool Match(const Route& route, const std::vector<std::string>& segments,
                    PathParams* params);

  std::vector<Route> routes_;
  Metrics* metrics_;
  Guard guard_;
};

}  // namespace cara::server
