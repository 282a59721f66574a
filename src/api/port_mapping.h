// Host port publishing (a service's `ports`): when two mappings take the same
// node socket, and how a mapping reads (Compose's "8080:80/tcp"). Shared by
// the validation rules, the scheduler and caractrl.
#pragma once

#include <string>

#include "api/types.h"

namespace cara::api {

// "tcp" when the protocol is left out (Docker's default).
std::string PortProtocol(const PortMapping& port);

// Whether a host IP means every address: empty (Docker's default) or 0.0.0.0.
bool IsWildcardHostIp(const std::string& host_ip);

// Whether two published ports take the same node socket: same host port and
// protocol, and the same host address or either one bound to every address.
// A port without a host port is not published and clashes with nothing.
bool PublishedPortsClash(const PortMapping& a, const PortMapping& b);

// "8080:80/tcp", "127.0.0.1:8080:80/udp", "[::1]:8080:80/tcp", "80/tcp" (not
// published).
std::string FormatPortMapping(const PortMapping& port);

}  // namespace cara::api
