// EnsurePki's client certificate for calling agents: CN cara-server,
// clientAuth only, signed by the cluster CA, kept across starts.
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

using cara::testing::TempDir;

std::string Read(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  REQUIRE(text.ok());
  return *text;
}

X509Ptr LoadCert(const std::string& path) {
  Result<X509Ptr> cert = CertFromPem(Read(path));
  REQUIRE(cert.ok());
  return std::move(*cert);
}

// OpenSSL's chain verification of `cert_file` against `ca_file` for `purpose`.
int Verify(const std::string& ca_file, const std::string& cert_file, int purpose) {
  X509Ptr ca = LoadCert(ca_file);
  X509Ptr cert = LoadCert(cert_file);
  X509StorePtr store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca.get()) == 1);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) == 1);
  REQUIRE(X509_VERIFY_PARAM_set_purpose(X509_STORE_CTX_get0_param(ctx.get()), purpose) == 1);
  X509_verify_cert(ctx.get());
  int error = X509_STORE_CTX_get_error(ctx.get());
  ERR_clear_error();
  return error;
}

std::string CommonName(const std::string& cert_file) {
  X509Ptr cert = LoadCert(cert_file);
  char cn[256] = {};
  int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof cn);
  return n < 0 ? "" : std::string(cn, static_cast<size_t>(n));
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

TEST_CASE("EnsurePki issues the agent client certificate: CN cara-server, clientAuth only",
          "[pki]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {});
  REQUIRE(pki.ok());
  CHECK(pki->agent_client_cert_issued);
  CHECK(pki->agent_client_cert_file == data.path() + "/pki/agent-client.crt");
  CHECK(pki->agent_client_key_file == data.path() + "/pki/agent-client.key");
  CHECK(ModeOf(pki->agent_client_key_file) == 0600);
  CHECK(ModeOf(pki->agent_client_cert_file) == 0644);
  CHECK(CommonName(pki->agent_client_cert_file) == "cara-server");
  CHECK(Verify(pki->ca_cert_file, pki->agent_client_cert_file, X509_PURPOSE_SSL_CLIENT) ==
        X509_V_OK);
  // It cannot pass for a server.
  CHECK(Verify(pki->ca_cert_file, pki->agent_client_cert_file, X509_PURPOSE_SSL_SERVER) ==
        X509_V_ERR_INVALID_PURPOSE);
  Result<X509Ptr> cert = CertFromPem(Read(pki->agent_client_cert_file));
  Result<PkeyPtr> key = KeyFromPem(Read(pki->agent_client_key_file));
  REQUIRE((cert.ok() && key.ok()));
  CHECK(X509_check_private_key(cert->get(), key->get()) == 1);
}

TEST_CASE("the agent client certificate is kept, and replaced when its CN is wrong", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  std::string cert = Read(first->agent_client_cert_file);

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE(second.ok());
  CHECK_FALSE(second->agent_client_cert_issued);
  CHECK(Read(second->agent_client_cert_file) == cert);

  // A client certificate from the same CA under another name is not ours.
  Result<X509Ptr> ca_cert = CertFromPem(Read(first->ca_cert_file));
  Result<PkeyPtr> ca_key = KeyFromPem(Read(first->ca_key_file));
  Result<PkeyPtr> key = KeyFromPem(Read(first->agent_client_key_file));
  REQUIRE((ca_cert.ok() && ca_key.ok() && key.ok()));
  Result<X509Ptr> other = IssueClientCert(key->get(), ca_cert->get(), ca_key->get(), "mallory", 30);
  REQUIRE(other.ok());
  REQUIRE(WriteFileAtomically(first->agent_client_cert_file, *CertToPem(other->get()), 0644).ok());

  Result<Pki> third = EnsurePki(data.path(), {});
  REQUIRE(third.ok());
  CHECK(third->agent_client_cert_issued);
  CHECK_FALSE(third->server_cert_issued);
  CHECK(CommonName(third->agent_client_cert_file) == "cara-server");
}

}  // namespace
}  // namespace cara::security
