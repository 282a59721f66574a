// caractrl's client for the cara-server REST API. Errors come back as
// Status values whose message is already rendered the way the reference CLI
// renders problem details.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace cara::cli {

struct ApiResponse {
  int status = 0;
  std::string body;
};

class ApiClient {
 public:
  // server: "http://host:port" (a trailing slash is tolerated).
  explicit ApiClient(std::string server);
  ~ApiClient();

  const std::string& server() const { return server_; }

  // Transport failures → Unavailable "request failed: <why> (server <url>)".
  // Any HTTP status is returned as is; see ExpectSuccess.
  Result<ApiResponse> Get(const std::string& path);
  Result<ApiResponse> Post(const std::string& path, const std::string& json);
  Result<ApiResponse> Put(const std::string& path, const std::string& json);
  Result<ApiResponse> Delete(const std::string& path);

 private:
  std::string server_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The message for a non-2xx response: "<title>: <detail>" from a problem
// body, else "server returned <code> <reason>: <body>".
std::string DescribeHttpError(const ApiResponse& response);

// OK for 2xx; otherwise a Status with DescribeHttpError's text, whose code
// follows the HTTP status (404 → NotFound, 409 → Conflict, 400 → Invalid, ...).
// A 404 without a problem body (a path the server does not serve at all) is
// not NotFound: no object was looked up.
Status ExpectSuccess(const Result<ApiResponse>& response);

// The message for a failed request about one object (kind "node" or
// "project"): kubectl's `project "web" not found` when it does not exist,
// instead of the command, the title and the server's detail saying it three
// times; otherwise "<verb> project "web": <message>".
std::string ObjectError(const std::string& verb, const std::string& kind, const std::string& name,
                        const Status& status);

// --server / CARA_SERVER must be http:// or https://, a host, an optional
// port and no path but "/": the API lives at the server's root. Anything else
// is an Invalid status saying what is wrong, before any request is made.
Status ValidateServerUrl(const std::string& url);

// Escapes one path segment.
std::string PathEscape(const std::string& segment);

}  // namespace cara::cli
