#include "security/ca_hash.h"

#include "common/hex.h"
#include "security/certificate.h"

namespace cara::security {

Result<std::string> CaCertSha256(const std::string& pem) {
  Result<X509Ptr> cert = CertFromPem(pem);
  if (!cert.ok()) return cert.status().Wrap("CA certificate");
  // X509_digest hashes the DER encoding: the certificate's fingerprint.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert->get(), EVP_sha256(), digest, &size) != 1) {
    return Status::Internal("cannot hash CA certificate: " + OpenSslError());
  }
  return LowerHex(digest, size);
}

}  // namespace cara::security
