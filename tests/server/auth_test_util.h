// Helpers for the tests of a server with authentication on: a client that
// sends a bearer token, and tokens of each role.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "server/api_server.h"
#include "support/http_client.h"
#include "support/test_server.h"

namespace cara::testing {

inline server::ServerOptions AuthOn() {
  server::ServerOptions options;
  options.require_auth = true;
  return options;
}

// An HttpClient that sends `Authorization: Bearer <token>` ("" sends none),
// trusting the CA registered for `url` but not using its registered token.
class TokenClient {
 public:
  TokenClient(const std::string& url, std::string token)
      : http_(url, net::ClientCredentials{"", DefaultCredentials(url).tls}),
        token_(std::move(token)) {}

  HttpResponse Call(const std::string& method, const std::string& path,
                    const std::string& body = "") {
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    return http_.Send(method, path, body, body.empty() ? "" : "application/json", headers);
  }
  HttpResponse Get(const std::string& path) { return Call("GET", path); }
  HttpResponse Post(const std::string& path, const nlohmann::json& body) {
    return Call("POST", path, body.dump());
  }
  HttpResponse Delete(const std::string& path) { return Call("DELETE", path); }

 private:
  HttpClient http_;
  std::string token_;
};

// Creates a token through the API as admin; returns the token string.
inline std::string CreateToken(TestServer& server, const nlohmann::json& request) {
  TokenClient admin(server.url(), server.admin_token());
  HttpResponse r = admin.Post("/api/v1/tokens", request);
  REQUIRE_THAT(r, HasStatus(201));
  REQUIRE(r.json.contains("token"));
  return r.json["token"].get<std::string>();
}

}  // namespace cara::testing
