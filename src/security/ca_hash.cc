#include "security/ca_hash.h"

#include "common/hex.h"
#include "security/certificate.h"

namespace cara::security {

Result<std::string> CaCertSha256(const std::string& pem) {
  Result<X509Ptr> cert = CertFromPem(pem);
  if (!cert.ok()) return cert.status().Wrap("CA certificate");
  return CertSha256(cert->get());
}

Result<std::string> CertSha256(X509* cert) {
  // X509_digest hashes the DER encoding: the certificate's fingerprint.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (X509_digest(cert, EVP_sha256(), digest, &size) != 1) {
    return Status::Internal("cannot hash certificate: " + OpenSslError());
  }
  return LowerHex(digest, size);
}

Result<std::string> LastCertificatePem(const std::string& chain_pem) {
  static const std::string kBegin = "-----BEGIN CERTIFICATE-----";
  static const std::string kEnd = "-----END CERTIFICATE-----";
  const size_t begin = chain_pem.rfind(kBegin);
  const size_t end = begin == std::string::npos ? begin : chain_pem.find(kEnd, begin);
  if (end == std::string::npos) return Status::Invalid("no PEM certificate in the chain");
  return chain_pem.substr(begin, end + kEnd.size() - begin) + "\n";
}

}  // namespace cara::security
