// The proxy's own answer when it cannot forward a request (no route for the
// Host, backend unreachable or failing): a 502 HTML page.
#pragma once

#include <string>

namespace cara::agent {

// The page, with `detail` HTML-escaped.
std::string IngressErrorPage(const std::string& detail);

}  // namespace cara::agent
