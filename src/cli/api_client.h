// caractrl's client for the cara-server REST API. Errors come back as
// Status values whose message is already rendered the way the reference CLI
// renders problem details.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/https_client.h"

namespace cara::cli {

// Where the API is and how to prove who we are: --server, --token and the
// TLS flags, or a context of the config file (see connection_settings.h).
struct ApiConnection {
  std::string server;  // "http(s)://host:port"
  std::string token;   // sent as "Authorization: Bearer <token>" when not empty
  net::TlsClientOptions tls;
};

struct ApiResponse {
  int status = 0;
  std::string body;
};

class ApiClient {
 public:
  // server: "http://host:port" (a trailing slash is tolerated).
  explicit ApiClient(std::string server);
  explicit ApiClient(ApiConnection connection);
  ~ApiClient();

  const std::string& server() const { return server_; }
  // Where and how this client connects, for connections it does not make
  // itself (port-forward's WebSockets).
  const ApiConnection& connection() const { return connection_; }

  // Transport failures → Unavailable "request failed: <why>", naming the
  // server (and the certificate problem for TLS failures).
  // Any HTTP status is returned as is; see ExpectSuccess.
  Result<ApiResponse> Get(const std::string& path);
  Result<ApiResponse> Post(const std::string& path, const std::string& json);
  Result<ApiResponse> Put(const std::string& path, const std::string& json);
  Result<ApiResponse> Delete(const std::string& path);

  // A GET whose 2xx body goes to `on_body` piece by piece as it arrives (a
  // followed log); `on_body` returns false to stop reading. Other bodies
  // are collected in the response as usual. A quiet stream may stay silent
  // for `read_timeout`.
  Result<ApiResponse> GetStreaming(const std::string& path,
                                   const std::function<bool(const char*, size_t)>& on_body,
                                   std::chrono::seconds read_timeout);
  // Ends a request in flight from another thread (Ctrl-C).
  void Stop();

 private:
  std::string server_;
  ApiConnection connection_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The message for a non-2xx response: "<title>: <detail>" from a problem
// body, else "server returned <code> <reason>: <body>".
std::string DescribeHttpError(const ApiResponse& response);

// OK for 2xx; otherwise a Status with DescribeHttpError's text, whose code
// follows the HTTP status (404 → NotFound, 409 → Conflict, 400 → Invalid, ...).
// 401 and 403 also say which credential to fix.
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
