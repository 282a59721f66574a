// The route handlers are written against cpp-httplib's plain Request and
// Response structs; net::HttpServer speaks net::HttpRequest/HttpResponse.
// These convert between them, parsing the target as cpp-httplib does (path
// URL-decoded, query into params) and turning a chunked content provider
// into a net::BodyStream.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include "net/http_message.h"

namespace cara::server {

// Asks for the client's connection after the handler returns (a WebSocket
// relayed to an agent). httplib::Response has no field for it, so the
// takeover waits beside the response, on the handler's thread, until
// ToNetResponse collects it. Sets status 101 for the guard's audit trail.
void RequestTakeover(httplib::Response& res, std::shared_ptr<net::ConnectionTakeover> takeover);

// A response body that may wait for more (a watch): `stream` returns
// net::StreamStep::kWait when it has nothing yet, and `bind_wake` receives
// the function that wakes it (see net::HttpResponse). Like a takeover it
// waits beside the response until ToNetResponse collects it. Sets status
// 200 and the content type.
void RequestWaitingStream(httplib::Response& res, const std::string& content_type,
                          net::BodyStream stream,
                          std::function<void(std::function<void()>)> bind_wake);

// Moves the body out of `in`.
httplib::Request ToHttplibRequest(net::HttpRequest& in);

// Moves body, headers, content provider and a requested takeover out of `in`. Resource releasers
// of content providers are not supported (none is used).
void ToNetResponse(httplib::Response& in, net::HttpResponse* out);

}  // namespace cara::server
