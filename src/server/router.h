// Method + path-pattern routing with the reference's mux semantics: unknown
// path → 404 "404 page not found"; known path, wrong method → 405 with Allow;
// GET routes answer HEAD. Patterns are literal segments and `{name}`
// wildcards matching exactly one non-empty segment.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace cara::server {

class Metrics;

using PathParams = std::map<std::string, std::string>;
using RouteHandler =
    std::function<void(const httplib::Request&, httplib::Response&, const PathParams&)>;

class Router {
 public:
  explicit Router(Metrics* metrics) : metrics_(metrics) {}

  void Add(const std::string& method, const std::string& pattern, RouteHandler handler);
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
};

}  // namespace cara::server
