// A real HTTPS server on loopback for client tests: a cluster PKI made by
// EnsurePki in a temp dir, and cpp-httplib's SSLServer serving its
// certificate. GET /api/healthz answers "ok". Other GETs and POSTs need
// `Authorization: Bearer <required_token>` when one is set (else a 401
// problem); then /api/version answers like cara-server's and anything else
// echoes the Authorization header (POST: with 201), so a test can see what a
// client sent.
#pragma once

#include <httplib.h>

#include <string>
#include <thread>

#include "security/pki.h"
#include "support/temp_dir.h"

namespace cara::testing {

class TlsServer {
 public:
  struct Options {
    // The server sends its CA after its certificate, as cara-server does, so
    // a client holding only the CA's hash can pin it.
    bool ca_in_chain = true;
    std::string required_token;
    std::string host = "127.0.0.1";  // its certificate covers 127.0.0.1, not 127.0.0.2
  };
  TlsServer() : TlsServer(Options{}) {}
  explicit TlsServer(Options options);
  ~TlsServer();
  TlsServer(const TlsServer&) = delete;
  TlsServer& operator=(const TlsServer&) = delete;

  const security::Pki& pki() const { return pki_; }
  int port() const { return port_; }
  // "https://HOST:PORT"
  std::string url() const;
  // The CA's SHA-256, as a join token carries it.
  std::string ca_sha256() const;

 private:
  TempDir dir_;
  security::Pki pki_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

// A second, unrelated CA certificate file (its own temp dir), for "wrong CA"
// tests. Valid while the returned dir lives.
struct StrangerCa {
  TempDir dir;
  std::string ca_file;
  StrangerCa();
};

}  // namespace cara::testing
