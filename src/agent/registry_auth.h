// Which registry an image comes from, which credentials of a project's
// imagePullSecrets belong to it, and how Docker wants them (X-Registry-Auth).
// Pure functions; the credentials stay in memory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/container_engine.h"

namespace cara::agent {

// The registry host of an image reference, the way Docker reads it: the part
// before the first '/' when it has a '.' or ':' or is "localhost"
// ("ghcr.io/a/b:1" -> "ghcr.io", "127.0.0.1:5000/x" -> "127.0.0.1:5000"),
// else Docker Hub, "docker.io" ("busybox", "library/redis", "acme/web").
// Lowercase.
std::string RegistryHostOf(const std::string& image);

// A Registry Secret's `server` reduced to a host comparable with
// RegistryHostOf: no scheme, no path, lowercase; Docker Hub's other names
// (index.docker.io, registry-1.docker.io) are "docker.io".
std::string NormalizeRegistryServer(const std::string& server);

// The first of `candidates` whose server is the image's registry, if any.
std::optional<RegistryCredentials> CredentialsFor(
    const std::string& image, const std::vector<RegistryCredentials>& candidates);

// The X-Registry-Auth header value: base64url (padded, as the Engine API
// decodes it) of {"username","password","serveraddress"}.
std::string RegistryAuthHeader(const RegistryCredentials& credentials);

}  // namespace cara::agent
