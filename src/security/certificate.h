// Issuing and inspecting the cluster's X.509 certificates: a self-signed CA
// and server certificates it signs. Pure OpenSSL work on objects in memory;
// where they are stored is pki.h's business.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "security/openssl_ptr.h"

namespace cara::security {

// A fresh ECDSA P-256 key pair.
Result<PkeyPtr> GenerateP256Key();

// A self-signed CA certificate for `key`: CA:TRUE, keyCertSign and cRLSign,
// valid for `days` days.
Result<X509Ptr> IssueCaCert(EVP_PKEY* key, int days);

// A subjectAltName value: IP addresses as iPAddress, anything else as
// dNSName.
Result<GeneralNamesPtr> SubjectAltNames(const std::vector<std::string>& sans);

// What varies between the end-entity certificates the CA signs.
struct LeafCertSpec {
  std::string common_name;
  const char* extended_key_usage;  // "serverAuth" or "clientAuth"
  std::vector<std::string> sans;   // IP addresses as iPAddress, others as dNSName
  int days;
};

// A certificate for `key` signed by `ca_cert`/`ca_key`: CA:FALSE,
// digitalSignature, the spec's CN, EKU and subjectAltNames (none when empty).
Result<X509Ptr> IssueLeafCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                              const LeafCertSpec& spec);

// A TLS server certificate for `key`, signed by `ca_cert`/`ca_key`: CA:FALSE,
// digitalSignature, serverAuth, one subjectAltName per entry of `sans` (IP
// addresses as iPAddress, anything else as dNSName), valid for `days` days.
Result<X509Ptr> IssueServerCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                                const std::vector<std::string>& sans, int days);

// A TLS client certificate for `key`, signed by `ca_cert`/`ca_key`:
// CA:FALSE, digitalSignature, clientAuth, subject CN `common_name` (what
// the server checks), valid for `days` days.
Result<X509Ptr> IssueClientCert(EVP_PKEY* key, X509* ca_cert, EVP_PKEY* ca_key,
                                const std::string& common_name, int days);

// The subject CN of `cert` ("" when it has none or more than one).
std::string CommonName(X509* cert);

// True when `cert` is valid for `name`: an IP address against its iPAddress
// entries, anything else against its dNSName entries.
bool CoversName(X509* cert, const std::string& name);

// True when `cert` is no longer valid `seconds` from now.
bool ExpiresWithin(X509* cert, long seconds);

// True when `cert` carries a valid signature by `issuer_key`.
bool IsSignedBy(X509* cert, EVP_PKEY* issuer_key);

// PEM text of a certificate or a private key (PKCS#8, unencrypted: the file
// mode protects it, as for every other secret in the data dir).
Result<std::string> CertToPem(X509* cert);
Result<std::string> KeyToPem(EVP_PKEY* key);
Result<X509Ptr> CertFromPem(const std::string& pem);
Result<PkeyPtr> KeyFromPem(const std::string& pem);

}  // namespace cara::security
