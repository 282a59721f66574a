// The fingerprint a join token carries so an agent can pin the cluster CA
// before it sends anything to the server.
#pragma once

#include <string>

#include "common/status.h"

namespace cara::security {

// SHA-256 of the DER encoding of the first certificate in `pem`, as 64
// lowercase hex digits (what `openssl x509 -outform der | sha256sum` prints).
Result<std::string> CaCertSha256(const std::string& pem);

}  // namespace cara::security
