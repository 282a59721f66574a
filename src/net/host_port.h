// "host:port" as Go's net package writes and reads it: listen addresses
// (":8081", "127.0.0.1:0", "[::1]:8081"), agent addresses and port numbers.
// One parser for the agent's listeners and caractrl.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace cara::net {

struct HostPort {
  std::string host;  // without brackets; "" for all interfaces (":8081")
  int port = 0;      // 0 to 65535
};

// Splits "host:port", ":port" or "[v6]:port" (a bare IPv6 address needs the
// brackets). The port is 1 to 5 decimal digits, at most 65535; 0 is allowed
// (an ephemeral port). Invalid with the reason otherwise, e.g.
// `missing port in address "x"`.
Result<HostPort> SplitHostPort(std::string_view address);

// "host:port", or "[host]:port" when host contains ':' (an IPv6 literal).
std::string JoinHostPort(std::string_view host, int port);

// "[::1]" -> "::1"; anything else unchanged.
std::string_view StripBrackets(std::string_view host);

// A port number as Go's strconv.Atoi reads it (an optional sign, then
// decimal digits) that must lie in 1..65535; nullopt otherwise.
std::optional<int> ParsePort(std::string_view text);

}  // namespace cara::net
