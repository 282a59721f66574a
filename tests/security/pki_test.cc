#include "security/pki.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include "security/atomic_file.h"
#include "security/ca_hash.h"
#include "security/certificate.h"
#include "support/temp_dir.h"

namespace cara::security {
namespace {

using cara::testing::TempDir;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::string Read(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  REQUIRE(text.ok());
  return *text;
}

// Runs OpenSSL's own chain verification of `cert_file` against `ca_file`,
// checking `name` as a host name or, when it is an IP address, as an IP.
// Returns X509_V_OK or the verification error.
int VerifyChain(const std::string& ca_file, const std::string& cert_file, const std::string& name) {
  Result<X509Ptr> ca = CertFromPem(Read(ca_file));
  Result<X509Ptr> cert = CertFromPem(Read(cert_file));
  REQUIRE(ca.ok());
  REQUIRE(cert.ok());
  X509StorePtr store(X509_STORE_new());
  REQUIRE(X509_STORE_add_cert(store.get(), ca->get()) == 1);
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  REQUIRE(X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr) == 1);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  REQUIRE(X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER) == 1);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
    ERR_clear_error();
    REQUIRE(X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) == 1);
  }
  int ok = X509_verify_cert(ctx.get());
  int error = X509_STORE_CTX_get_error(ctx.get());
  CHECK((ok == 1) == (error == X509_V_OK));
  return error;
}

std::string HostName() {
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof(host) - 1) == 0);
  return host;
}

TEST_CASE("EnsurePki creates a CA and a server certificate with private modes", "[pki]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {"cara.example.com", "10.1.2.3"});
  REQUIRE(pki.ok());
  CHECK(pki->ca_created);
  CHECK(pki->server_cert_issued);
  CHECK(pki->dir == data.path() + "/pki");
  CHECK(ModeOf(pki->dir) == 0700);
  CHECK(ModeOf(pki->ca_key_file) == 0600);
  CHECK(ModeOf(pki->server_key_file) == 0600);
  CHECK(ModeOf(pki->ca_cert_file) == 0644);
  CHECK(ModeOf(pki->server_cert_file) == 0644);
  CHECK(pki->ca_cert_pem == Read(pki->ca_cert_file));
  CHECK(Read(pki->ca_key_file).rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  // No temporary file is left behind.
  for (const auto& entry : std::filesystem::directory_iterator(pki->dir)) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("concurrent first starts agree on one CA", "[pki]") {
  TempDir data;
  std::vector<std::optional<Result<Pki>>> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results) {
    threads.emplace_back([&] { result.emplace(EnsurePki(data.path(), {})); });
  }
  for (std::thread& thread : threads) thread.join();

  int created = 0;
  for (const auto& result : results) {
    REQUIRE(result->ok());
    created += (*result)->ca_created ? 1 : 0;
  }
  CHECK(created == 1);
  Result<Pki> after = EnsurePki(data.path(), {});
  REQUIRE(after.ok());
  CHECK_FALSE(after->ca_created);
  CHECK_FALSE(after->server_cert_issued);
  for (const auto& result : results) CHECK((*result)->ca_cert_pem == after->ca_cert_pem);
  CHECK(VerifyChain(after->ca_cert_file, after->server_cert_file, "localhost") == X509_V_OK);
}

TEST_CASE("the server certificate verifies against the CA for every name", "[pki]") {
  TempDir data;
  Result<Pki> pki = EnsurePki(data.path(), {"cara.example.com", "10.1.2.3"});
  REQUIRE(pki.ok());
  for (const std::string& name :
       {std::string("localhost"), std::string("127.0.0.1"), std::string("cara.example.com"),
        std::string("10.1.2.3"), HostName()}) {
    INFO(name);
    CHECK(VerifyChain(pki->ca_cert_file, pki->server_cert_file, name) == X509_V_OK);
  }
  CHECK(VerifyChain(pki->ca_cert_file, pki->server_cert_file, "other.example.com") ==
        X509_V_ERR_HOSTNAME_MISMATCH);
  CHECK(VerifyChain(pki->ca_cert_file, pki->server_cert_file, "10.9.9.9") ==
        X509_V_ERR_IP_ADDRESS_MISMATCH);

  // The CA itself verifies only as a CA: it cannot pose as a server for localhost.
  CHECK(VerifyChain(pki->ca_cert_file, pki->ca_cert_file, "localhost") != X509_V_OK);

  TempDir other;
  Result<Pki> stranger = EnsurePki(other.path(), {});
  REQUIRE(stranger.ok());
  CHECK(VerifyChain(stranger->ca_cert_file, pki->server_cert_file, "localhost") ==
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_CASE("a second call reuses the CA and the server certificate", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {"cara.example.com"});
  REQUIRE(first.ok());
  std::string ca_key = Read(first->ca_key_file);
  std::string server_cert = Read(first->server_cert_file);
  std::string server_key = Read(first->server_key_file);

  Result<Pki> second = EnsurePki(data.path(), {"cara.example.com"});
  REQUIRE(second.ok());
  CHECK_FALSE(second->ca_created);
  CHECK_FALSE(second->server_cert_issued);
  CHECK(*CaCertSha256(second->ca_cert_pem) == *CaCertSha256(first->ca_cert_pem));
  CHECK(Read(second->ca_key_file) == ca_key);
  CHECK(Read(second->server_cert_file) == server_cert);
  CHECK(Read(second->server_key_file) == server_key);
}

TEST_CASE("a newly requested name re-issues only the server certificate", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  std::string ca_key = Read(first->ca_key_file);
  std::string server_cert = Read(first->server_cert_file);
  CHECK(VerifyChain(first->ca_cert_file, first->server_cert_file, "192.0.2.7") ==
        X509_V_ERR_IP_ADDRESS_MISMATCH);

  Result<Pki> second = EnsurePki(data.path(), {"192.0.2.7"});
  REQUIRE(second.ok());
  CHECK_FALSE(second->ca_created);
  CHECK(second->server_cert_issued);
  CHECK(second->ca_cert_pem == first->ca_cert_pem);
  CHECK(Read(second->ca_key_file) == ca_key);
  CHECK(Read(second->server_cert_file) != server_cert);
  CHECK(VerifyChain(second->ca_cert_file, second->server_cert_file, "192.0.2.7") == X509_V_OK);
  CHECK(ModeOf(second->server_key_file) == 0600);
}

TEST_CASE("a server certificate close to expiry is re-issued from the same CA", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  // Replace the server certificate with one from the same CA that ends in 10 days.
  Result<X509Ptr> ca_cert = CertFromPem(Read(first->ca_cert_file));
  Result<PkeyPtr> ca_key = KeyFromPem(Read(first->ca_key_file));
  Result<PkeyPtr> key = KeyFromPem(Read(first->server_key_file));
  REQUIRE((ca_cert.ok() && ca_key.ok() && key.ok()));
  Result<X509Ptr> short_lived = IssueServerCert(key->get(), ca_cert->get(), ca_key->get(),
                                                {"localhost", "127.0.0.1", HostName()}, 10);
  REQUIRE(short_lived.ok());
  CHECK(ExpiresWithin(short_lived->get(), 30L * 24 * 3600));
  REQUIRE(WriteFileAtomically(first->server_cert_file, *CertToPem(short_lived->get()), 0644).ok());

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE(second.ok());
  CHECK(second->server_cert_issued);
  CHECK_FALSE(second->ca_created);
  Result<X509Ptr> renewed = CertFromPem(Read(second->server_cert_file));
  REQUIRE(renewed.ok());
  CHECK_FALSE(ExpiresWithin(renewed->get(), 300L * 24 * 3600));
  CHECK(VerifyChain(second->ca_cert_file, second->server_cert_file, "localhost") == X509_V_OK);
}

TEST_CASE("a corrupted key file is an error that names it", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  std::string corrupted_file = GENERATE(std::string("ca.key"), std::string("server.key"));
  std::string path = first->dir + "/" + corrupted_file;
  std::string before_ca = Read(first->ca_key_file);
  REQUIRE(WriteFileAtomically(path, "-----BEGIN PRIVATE KEY-----\ngarbage\n", 0600).ok());

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE_FALSE(second.ok());
  INFO(second.status().message());
  CHECK(second.status().message().find(path + ": not a PEM private key") != std::string::npos);
  // Nothing was replaced behind the operator's back.
  CHECK(Read(path).find("garbage") != std::string::npos);
  if (corrupted_file == "server.key") CHECK(Read(first->ca_key_file) == before_ca);
}

TEST_CASE("an encrypted CA key is an error, not a passphrase prompt", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  Result<PkeyPtr> key = KeyFromPem(Read(first->ca_key_file));
  REQUIRE(key.ok());
  BioPtr bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key->get(), EVP_aes_256_cbc(), nullptr, 0, nullptr,
                                   passphrase) == 1);
  char* data_ptr = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data_ptr);
  std::string encrypted(data_ptr, static_cast<size_t>(size));
  REQUIRE(encrypted.find("ENCRYPTED") != std::string::npos);
  REQUIRE(WriteFileAtomically(first->ca_key_file, encrypted, 0600).ok());

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().find(first->ca_key_file + ": not a PEM private key") !=
        std::string::npos);
}

TEST_CASE("a CA certificate without its key is refused, not replaced", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  std::filesystem::remove(first->ca_key_file);

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE_FALSE(second.ok());
  CHECK(second.status().message().find(first->ca_key_file + " is missing") != std::string::npos);
  CHECK(Read(first->ca_cert_file) == first->ca_cert_pem);
}

TEST_CASE("a CA key left without its certificate by a crash gets one", "[pki]") {
  TempDir data;
  Result<Pki> first = EnsurePki(data.path(), {});
  REQUIRE(first.ok());
  std::string ca_key = Read(first->ca_key_file);
  std::filesystem::remove(first->ca_cert_file);

  Result<Pki> second = EnsurePki(data.path(), {});
  REQUIRE(second.ok());
  CHECK(second->ca_created);
  CHECK(Read(second->ca_key_file) == ca_key);
  // Whether reused or issued again, the server certificate chains to the new CA certificate.
  CHECK(VerifyChain(second->ca_cert_file, second->server_cert_file, "localhost") == X509_V_OK);
}

}  // namespace
}  // namespace cara::security

namespace cara::security {
namespace {

TEST_CASE("server.crt carries the CA after the server certificate, so TLS sends the chain",
          "[pki]") {
  testing::TempDir dir;
  Result<Pki> pki = EnsurePki(dir.path(), {});
  REQUIRE(pki.ok());
  Result<std::string> chain = ReadWholeFile(pki->server_cert_file);
  REQUIRE(chain.ok());
  REQUIRE(chain->size() > pki->ca_cert_pem.size());
  CHECK(chain->substr(chain->size() - pki->ca_cert_pem.size()) == pki->ca_cert_pem);
  CHECK(chain->find("BEGIN CERTIFICATE") < chain->size() - pki->ca_cert_pem.size());

  // A leaf-only file (an older layout) is issued again, with the chain.
  Result<X509Ptr> leaf = CertFromPem(*chain);
  REQUIRE(leaf.ok());
  Result<std::string> leaf_pem = CertToPem(leaf->get());
  REQUIRE(leaf_pem.ok());
  REQUIRE(WriteFileAtomically(pki->server_cert_file, *leaf_pem, 0644).ok());
  Result<Pki> again = EnsurePki(dir.path(), {});
  REQUIRE(again.ok());
  CHECK(again->server_cert_issued);
  Result<std::string> reissued = ReadWholeFile(pki->server_cert_file);
  REQUIRE(reissued.ok());
  CHECK(reissued->substr(reissued->size() - pki->ca_cert_pem.size()) == pki->ca_cert_pem);
}

}  // namespace
}  // namespace cara::security
