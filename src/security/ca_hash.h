// The fingerprint a join token carries so an agent can pin the cluster CA
// before it sends anything to the server.
#pragma once

#include <openssl/x509.h>

#include <string>

#include "common/status.h"

namespace cara::security {

// SHA-256 of the DER encoding of the first certificate in `pem`, as 64
// lowercase hex digits (what `openssl x509 -outform der | sha256sum` prints).
Result<std::string> CaCertSha256(const std::string& pem);

// The last certificate of a PEM chain (a server certificate followed by its
// CA: the root a join token pins). Invalid when there is none.
Result<std::string> LastCertificatePem(const std::string& chain_pem);

// The same fingerprint of a parsed certificate, e.g. one a TLS peer sent.
Result<std::string> CertSha256(X509* cert);

}  // namespace cara::security
