// A tiny HTTP client for black-box API tests, plus Catch2 matchers that keep
// the assertions readable:
//
//   HttpClient api(server.url());
//   HttpResponse r = api.PostJson("/api/v1/nodes", body);
//   CHECK_THAT(r, HasStatus(201));
//   CHECK_THAT(api.Get("/api/v1/nodes/x"),
//              IsProblem(404, "node not found: x: resource not found"));
//
// A failing matcher prints the whole response (status, content type, body).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "net/https_client.h"

namespace cara::testing {

struct HttpResponse {
  int status = 0;     // 0 when the request failed at the transport level
  std::string error;  // transport error text, empty on success
  httplib::Headers headers;
  std::string body;
  // The parsed body when it is JSON (success or problem bodies), else null.
  nlohmann::json json;
  bool has_json = false;

  bool ok() const { return error.empty(); }
  // The first value of a header (case-insensitive name), "" if absent.
  std::string header(const std::string& name) const;
  bool has_header(const std::string& name) const;
  std::string content_type() const { return header("Content-Type"); }
};

// Sets r.json and r.has_json from r.body.
void ParseJsonBody(HttpResponse& r);

// Credentials registered for a server's base URL, used by every HttpClient
// (and RunCaractrl) made for that URL without credentials of its own. A
// TestServer serving https with tokens registers its admin credentials here,
// so `HttpClient api(server.url())` keeps working unchanged.
void RegisterDefaultCredentials(const std::string& base_url, net::ClientCredentials credentials);
void ForgetDefaultCredentials(const std::string& base_url);
// The registered credentials for `base_url`, or none (no token, no CA).
net::ClientCredentials DefaultCredentials(const std::string& base_url);

// No token and no CA, whatever is registered: for tests of refusals. (Pass
// this, not `{}`, which would pick the keep_alive overload.)
inline const net::ClientCredentials kNoCredentials{};

// One httplib::Client (TCP_NODELAY on) talking to a base URL such as
// "http://127.0.0.1:1234" or "https://...". Not thread-safe: give each thread
// its own.
class HttpClient {
 public:
  // With the credentials registered for `base_url`, if any.
  explicit HttpClient(const std::string& base_url, bool keep_alive = true);
  // With exactly `credentials`.
  HttpClient(const std::string& base_url, const net::ClientCredentials& credentials,
             bool keep_alive = true);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any method, any body. `content_type` is sent only when non-empty; httplib
  // adds `Content-Length: 0` to body-less POST/PUT/PATCH requests.
  HttpResponse Send(const std::string& method, const std::string& path,
                    const std::string& body = "",
                    const std::string& content_type = "application/json",
                    const httplib::Headers& extra_headers = {});

  HttpResponse Get(const std::string& path) { return Send("GET", path, "", ""); }
  HttpResponse Head(const std::string& path) { return Send("HEAD", path, "", ""); }
  HttpResponse Delete(const std::string& path) { return Send("DELETE", path, "", ""); }
  HttpResponse Post(const std::string& path, const std::string& body) {
    return Send("POST", path, body);
  }
  HttpResponse Put(const std::string& path, const std::string& body) {
    return Send("PUT", path, body);
  }
  HttpResponse Patch(const std::string& path, const std::string& body) {
    return Send("PATCH", path, body);
  }
  HttpResponse PostJson(const std::string& path, const nlohmann::json& body) {
    return Post(path, body.dump());
  }
  HttpResponse PutJson(const std::string& path, const nlohmann::json& body) {
    return Put(path, body.dump());
  }
  HttpResponse PatchJson(const std::string& path, const nlohmann::json& body) {
    return Patch(path, body.dump());
  }

 private:
  std::unique_ptr<httplib::Client> client_;
};

// ---- problem+json --------------------------------------------------------------

// The title the server must use for an error status: 400 → "Validation
// Problem", 404 → "Not Found", 409 → "Conflict", 413 → "Payload Too Large",
// 500 → "Internal Server Error", ...
std::string ProblemTitle(int status);
// "https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/<status>"
std::string ProblemType(int status);

// The pointers of the `errors` array of a problem body ({"pointer","detail"}).
std::vector<std::string> ProblemErrorPointers(const HttpResponse& r);

// ---- matchers --------------------------------------------------------------------

class StatusMatcher : public Catch::MatcherBase<HttpResponse> {
 public:
  explicit StatusMatcher(int status) : status_(status) {}
  bool match(const HttpResponse& r) const override { return r.status == status_; }
  std::string describe() const override;

 private:
  int status_;
};

// Status code only; the failure message shows the whole response.
inline StatusMatcher HasStatus(int status) { return StatusMatcher(status); }

class ProblemMatcher : public Catch::MatcherBase<HttpResponse> {
 public:
  enum class Detail { kExact, kPrefix, kContains, kAny };
  ProblemMatcher(int status, Detail mode, std::string detail)
      : status_(status), mode_(mode), detail_(std::move(detail)) {}
  // Status, Content-Type application/problem+json, keys in the order title,
  // status, type, detail (then instance/errors), the title and type URL for
  // the status, and the detail as asked.
  bool match(const HttpResponse& r) const override;
  std::string describe() const override;

 private:
  int status_;
  Detail mode_;
  std::string detail_;
};

inline ProblemMatcher IsProblem(int status, std::string detail) {
  return ProblemMatcher(status, ProblemMatcher::Detail::kExact, std::move(detail));
}
inline ProblemMatcher IsProblemStartingWith(int status, std::string prefix) {
  return ProblemMatcher(status, ProblemMatcher::Detail::kPrefix, std::move(prefix));
}
inline ProblemMatcher IsProblemContaining(int status, std::string fragment) {
  return ProblemMatcher(status, ProblemMatcher::Detail::kContains, std::move(fragment));
}
inline ProblemMatcher IsProblemWithAnyDetail(int status) {
  return ProblemMatcher(status, ProblemMatcher::Detail::kAny, "");
}

// A schema violation: a 400 Validation Problem whose detail names `pointer`
// and whose `errors` array (after `detail`) holds {"pointer": pointer,
// "detail": "..."} among well-formed {pointer, detail} entries.
class SchemaProblemMatcher : public Catch::MatcherBase<HttpResponse> {
 public:
  explicit SchemaProblemMatcher(std::string pointer) : pointer_(std::move(pointer)) {}
  bool match(const HttpResponse& r) const override;
  std::string describe() const override;

 private:
  std::string pointer_;
};

inline SchemaProblemMatcher IsSchemaProblem(std::string pointer) {
  return SchemaProblemMatcher(std::move(pointer));
}

}  // namespace cara::testing

namespace Catch {
template <>
struct StringMaker<cara::testing::HttpResponse> {
  static std::string convert(const cara::testing::HttpResponse& r);
};
}  // namespace Catch
