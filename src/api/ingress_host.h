// The host an ingress entry answers to, as the agent's proxy routes it and as
// the server reserves it: a Project's hosts are its own, never shared with
// another Project (store.h).
#pragma once

#include <string>
#include <vector>

#include "api/types.h"

namespace cara::api {

// As the original agent does: a host with a '.' is used verbatim; otherwise
// "<host>.<project>.local" (an empty host gives ".<project>.local").
std::string ResolveIngressHost(const std::string& host, const std::string& project);

// Host names are case-insensitive (RFC 9110 §4.2.3): ASCII lowercase.
std::string LowercaseHost(std::string host);

// The hosts a project's ingress answers to, resolved and lowercased, sorted
// and without duplicates.
std::vector<std::string> IngressHosts(const Project& project);

}  // namespace cara::api
