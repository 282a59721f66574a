#include "support/node_credentials.h"

#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/node_certificate.h"

namespace cara::testing {
namespace {

std::string Read(const std::string& path) {
  Result<std::string> text = security::ReadWholeFile(path);
  REQUIRE(text.ok());
  return *text;
}

void Write(const std::string& path, const std::string& text, mode_t mode) {
  REQUIRE(security::WriteFileAtomically(path, text, mode).ok());
}

void WritePair(X509* cert, EVP_PKEY* key, const std::string& dir, const std::string& stem) {
  Result<std::string> cert_pem = security::CertToPem(cert);
  Result<std::string> key_pem = security::KeyToPem(key);
  REQUIRE(cert_pem.ok());
  REQUIRE(key_pem.ok());
  Write(dir + "/" + stem + ".crt", *cert_pem, 0644);
  Write(dir + "/" + stem + ".key", *key_pem, 0600);
}

}  // namespace

security::Pki IssueNodeCredentials(const std::string& data_dir, const std::string& node_name,
                                   const std::string& ip, const std::string& state_dir) {
  Result<security::Pki> pki = security::EnsurePki(data_dir, {});
  REQUIRE(pki.ok());
  Result<security::NodeKeyAndCsr> csr = security::NewNodeKeyAndCsr(node_name, ip);
  REQUIRE(csr.ok());
  Result<std::string> cert = security::SignNodeCertificate(pki->ca_cert_pem, Read(pki->ca_key_file),
                                                           csr->csr_pem, node_name);
  REQUIRE(cert.ok());
  Write(state_dir + "/node.crt", *cert, 0644);
  Write(state_dir + "/node.key", csr->key_pem, 0600);
  Write(state_dir + "/ca.crt", pki->ca_cert_pem, 0644);
  return *pki;
}

void IssueClientCredentials(const security::Pki& pki, const std::string& common_name,
                            const std::string& dir, const std::string& file_stem) {
  Result<security::X509Ptr> ca_cert = security::CertFromPem(pki.ca_cert_pem);
  Result<security::PkeyPtr> ca_key = security::KeyFromPem(Read(pki.ca_key_file));
  Result<security::PkeyPtr> key = security::GenerateP256Key();
  REQUIRE(ca_cert.ok());
  REQUIRE(ca_key.ok());
  REQUIRE(key.ok());
  Result<security::X509Ptr> cert =
      security::IssueClientCert(key->get(), ca_cert->get(), ca_key->get(), common_name, 1);
  REQUIRE(cert.ok());
  WritePair(cert->get(), key->get(), dir, file_stem);
}

void WriteSelfSignedCredentials(const std::string& common_name, const std::string& dir,
                                const std::string& file_stem) {
  Result<security::PkeyPtr> key = security::GenerateP256Key();
  REQUIRE(key.ok());
  // Signed by its own key: the issuer is itself, no CA vouches for it.
  security::X509Ptr cert(X509_new());
  REQUIRE(cert);
  X509_NAME* name = X509_get_subject_name(cert.get());
  REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0) == 1);
  REQUIRE(X509_set_issuer_name(cert.get(), name) == 1);
  REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1) == 1);
  REQUIRE(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600));
  REQUIRE(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400));
  REQUIRE(X509_set_pubkey(cert.get(), key->get()) == 1);
  REQUIRE(X509_sign(cert.get(), key->get(), EVP_sha256()) > 0);
  WritePair(cert.get(), key->get(), dir, file_stem);
}

}  // namespace cara::testing
