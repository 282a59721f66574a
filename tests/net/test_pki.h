// A cluster PKI in a temporary directory for TLS tests of net::HttpServer:
// the server certificate, the agent client certificate and a client
// certificate under any other name.
#pragma once

#include <string>

#include <catch2/catch.hpp>

#include "net/http_server.h"
#include "security/atomic_file.h"
#include "security/certificate.h"
#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::testing {

class TestPki {
 public:
  TestPki() {
    Result<security::Pki> pki = security::EnsurePki(dir_.path(), {});
    REQUIRE(pki.ok());
    pki_ = std::move(*pki);
  }
  const security::Pki& pki() const { return pki_; }
  const std::string& ca_file() const { return pki_.ca_cert_file; }

  net::TlsServerOptions ServerTls() const {
    net::TlsServerOptions tls;
    tls.cert_file = pki_.server_cert_file;
    tls.key_file = pki_.server_key_file;
    return tls;
  }

  // Writes a client certificate with subject CN `cn` signed by this CA;
  // returns {cert file, key file}.
  std::pair<std::string, std::string> ClientCert(const std::string& cn) const {
    auto ca_cert = security::CertFromPem(*security::ReadWholeFile(pki_.ca_cert_file));
    auto ca_key = security::KeyFromPem(*security::ReadWholeFile(pki_.ca_key_file));
    auto key = security::GenerateP256Key();
    REQUIRE((ca_cert.ok() && ca_key.ok() && key.ok()));
    auto cert = security::IssueClientCert(key->get(), ca_cert->get(), ca_key->get(), cn, 30);
    REQUIRE(cert.ok());
    std::string base = dir_.path() + "/client-" + cn;
    REQUIRE(
        security::WriteFileAtomically(base + ".crt", *security::CertToPem(cert->get()), 0644).ok());
    REQUIRE(
        security::WriteFileAtomically(base + ".key", *security::KeyToPem(key->get()), 0600).ok());
    return {base + ".crt", base + ".key"};
  }

 private:
  TempDir dir_;
  security::Pki pki_;
};

}  // namespace cara::testing
