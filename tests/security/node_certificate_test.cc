// Node serving certificates and the server's agent-client certificate,
// issued and inspected with real OpenSSL.
#include "security/node_certificate.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

using cara::testing::TempDir;

struct Ca {
  std::string cert_pem;
  std::string key_pem;
};

Ca ClusterCa(const TempDir& data) {
  Result<Pki> pki = EnsurePki(data.path(), {});
  REQUIRE(pki.ok());
  Result<std::string> key = ReadWholeFile(pki->ca_key_file);
  REQUIRE(key.ok());
  return {pki->ca_cert_pem, *key};
}

X509Ptr Parse(const std::string& pem) {
  Result<X509Ptr> cert = CertFromPem(pem);
  REQUIRE(cert.ok());
  return std::move(*cert);
}

TEST_CASE("a node certificate signed from a CSR says node:<name> and covers its IP",
          "[pki][node]") {
  TempDir data;
  Ca ca = ClusterCa(data);
  Result<NodeKeyAndCsr> csr = NewNodeKeyAndCsr("worker-1", "10.1.2.3");
  REQUIRE(csr.ok());
  Result<std::string> pem = SignNodeCertificate(ca.cert_pem, ca.key_pem, csr->csr_pem, "worker-1");
  REQUIRE(pem.ok());

  X509Ptr cert = Parse(*pem);
  X509Ptr ca_cert = Parse(ca.cert_pem);
  Result<PkeyPtr> ca_key = KeyFromPem(ca.key_pem);
  Result<PkeyPtr> node_key = KeyFromPem(csr->key_pem);
  REQUIRE(ca_key.ok());
  REQUIRE(node_key.ok());
  CHECK(CommonName(cert.get()) == "node:worker-1");
  CHECK(CoversName(cert.get(), "10.1.2.3"));
  CHECK_FALSE(CoversName(cert.get(), "10.1.2.4"));
  CHECK(IsSignedBy(cert.get(), ca_key->get()));
  CHECK(X509_check_private_key(cert.get(), node_key->get()) == 1);
  CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 1);
  CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0) == 0);
  CHECK(X509_check_ca(cert.get()) == 0);
  CHECK_FALSE(ExpiresWithin(cert.get(), 364L * 24 * 3600));
  CHECK(ExpiresWithin(cert.get(), 366L * 24 * 3600));
}

TEST_CASE("the CN comes from the node name the server knows, never from the CSR", "[pki][node]") {
  TempDir data;
  Ca ca = ClusterCa(data);
  // A node asking for another node's identity, or for the server's.
  std::string asked = GENERATE(std::string("other-node"), std::string("cara-server"));
  Result<NodeKeyAndCsr> csr = NewNodeKeyAndCsr(asked, "10.1.2.3");
  REQUIRE(csr.ok());
  Result<std::string> pem = SignNodeCertificate(ca.cert_pem, ca.key_pem, csr->csr_pem, "worker-1");
  REQUIRE(pem.ok());
  CHECK(CommonName(Parse(*pem).get()) == "node:worker-1");
}

TEST_CASE("a CSR whose signature does not match its key is refused", "[pki][node]") {
  TempDir data;
  Ca ca = ClusterCa(data);
  Result<PkeyPtr> claimed = GenerateP256Key();
  Result<PkeyPtr> signer = GenerateP256Key();
  REQUIRE(claimed.ok());
  REQUIRE(signer.ok());
  X509ReqPtr req(X509_REQ_new());
  REQUIRE(X509_REQ_set_pubkey(req.get(), claimed->get()) == 1);
  REQUIRE(X509_REQ_sign(req.get(), signer->get(), EVP_sha256()) > 0);
  BioPtr bio(BIO_new(BIO_s_mem()));
  REQUIRE(PEM_write_bio_X509_REQ(bio.get(), req.get()) == 1);
  char* data_ptr = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data_ptr);
  std::string forged(data_ptr, static_cast<size_t>(size));

  Result<std::string> pem = SignNodeCertificate(ca.cert_pem, ca.key_pem, forged, "worker-1");
  REQUIRE_FALSE(pem.ok());
  CHECK(pem.status().code() == Code::kInvalid);
  CHECK_THAT(pem.status().message(), Catch::Contains("signature"));
}

TEST_CASE("garbage or an empty node name is refused", "[pki][node]") {
  TempDir data;
  Ca ca = ClusterCa(data);
  Result<NodeKeyAndCsr> csr = NewNodeKeyAndCsr("worker-1", "10.1.2.3");
  REQUIRE(csr.ok());
  CHECK(SignNodeCertificate(ca.cert_pem, ca.key_pem, "not a csr", "worker-1").status().code() ==
        Code::kInvalid);
  CHECK(SignNodeCertificate(ca.cert_pem, ca.key_pem, csr->csr_pem, "").status().code() ==
        Code::kInvalid);
}

TEST_CASE("EnsurePki issues the agent-client certificate once, CN cara-server, clientAuth",
          "[pki][node]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {});
  REQUIRE(pki.ok());
  Result<std::string> first = ReadWholeFile(pki->agent_client_cert_file);
  REQUIRE(first.ok());
  X509Ptr cert = Parse(*first);
  CHECK(CommonName(cert.get()) == kServerClientCommonName);
  CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0) == 1);
  CHECK(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0) == 0);
  CHECK(X509_check_issued(Parse(pki->ca_cert_pem).get(), cert.get()) == X509_V_OK);

  Result<Pki> again = EnsurePki(data.path(), {});
  REQUIRE(again.ok());
  Result<std::string> second = ReadWholeFile(pki->agent_client_cert_file);
  REQUIRE(second.ok());
  CHECK(*second == *first);
}

}  // namespace
}  // namespace cara::security
