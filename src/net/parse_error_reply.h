// What Go's HTTP server answers to a request it cannot parse, which the
// agent's API and the ingress proxy answer too: a bare response, then the
// connection closes.
#pragma once

#include <string_view>

#include <boost/system/error_code.hpp>

namespace cara::net {

// "431 Request Header Fields Too Large" for headers over the limit, "400 Bad
// Request" for any other parse error; "" when `ec` is no parse error (the
// client left, a deadline passed), which gets no reply.
std::string_view ParseErrorReply(const boost::system::error_code& ec);

}  // namespace cara::net
