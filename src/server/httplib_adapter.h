// The route handlers are written against cpp-httplib's plain Request and
// Response structs; net::HttpServer speaks net::HttpRequest/HttpResponse.
// These convert between them, parsing the target as cpp-httplib does (path
// URL-decoded, query into params) and turning a chunked content provider
// into a net::BodyStream.
#pragma once

#include <httplib.h>

#include "net/http_message.h"

namespace cara::server {

// Moves the body out of `in`.
httplib::Request ToHttplibRequest(net::HttpRequest& in);

// Moves body, headers and content provider out of `in`. Resource releasers
// of content providers are not supported (none is used).
void ToNetResponse(httplib::Response& in, net::HttpResponse* out);

}  // namespace cara::server
