// Filling a server with objects through its API before a measurement.
#pragma once

#include <functional>
#include <string>

namespace cara::bench {

// POSTs body(i) for i in [0, count) to url+path from `clients` parallel
// keep-alive connections, with an Authorization header when one is given;
// any answer but 201 throws.
void PostAll(const std::string& url, const std::string& path, int count,
             const std::function<std::string(int)>& body, int clients = 4,
             const std::string& authorization = "");

}  // namespace cara::bench
