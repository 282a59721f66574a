// Forward declarations of cpp-httplib's request and response, for headers
// that only pass them by reference (httplib.h is a large include).
#pragma once

namespace httplib {
struct Request;
struct Response;
class Client;
}  // namespace httplib
