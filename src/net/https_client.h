// Every HTTP client of the cluster (caractrl, the agent, the tests) is made
// here, so http:// and https:// URLs, trusted CAs, client certificates and CA
// pinning behave the same everywhere.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "common/status.h"

struct ssl_ctx_st;  // OpenSSL's SSL_CTX
struct ssl_st;      // OpenSSL's SSL

namespace cara::net {

struct TlsClientOptions {
  // The CAs a server certificate must chain to: a PEM file, or PEM text (one
  // or more certificates). Only these are trusted, never the system's store:
  // a cluster's certificates come from its own CA.
  std::string ca_file;
  std::string ca_pem;
  // No certificate check at all (lab use; --insecure-skip-tls-verify).
  bool insecure_skip_verify = false;
  // Presented when the server asks (the server calling agents over mTLS).
  std::string client_cert_file, client_key_file;
  // 64 lowercase hex digits: SHA-256 of the DER of the CA certificate the
  // server's chain must be rooted in. With no CA given, the server must send
  // that CA in its chain (cara-server does: server.crt is followed by ca.crt),
  // which is how an agent holding only a join token trusts the server.
  std::string expected_ca_sha256;
};

// What a client proves itself with: a bearer token (cara_<id>_<secret>, sent
// as "Authorization: Bearer ..." when not empty) and how it trusts the server.
struct ClientCredentials {
  std::string token;
  TlsClientOptions tls;
};

// Invalid when `options` cannot be used: an unreadable CA or client
// certificate file, PEM without a certificate, a malformed pin, or a CA that
// does not hash to the pin. Callers that want a clear error check this first;
// NewHttpClient itself fails closed (every https request is refused).
Status CheckTlsClientOptions(const TlsClientOptions& options);

// A client for `base_url` ("http://host:port" or "https://host:port"), with
// TCP_NODELAY on. https:// verifies the server's certificate chain against
// the options' CAs or pin and its name against the URL's host, unless
// insecure_skip_verify is set and no pin is given. Options are ignored for
// http:// URLs.
std::unique_ptr<httplib::Client> NewHttpClient(const std::string& base_url,
                                               const TlsClientOptions& options = {});

// NewHttpClient(base_url, credentials.tls) that also sends the token.
std::unique_ptr<httplib::Client> NewHttpClient(const std::string& base_url,
                                               const ClientCredentials& credentials);

// The PEM of the CA that `https_url`'s server chains to, provided it hashes
// to `sha256_hex`; Unavailable when the server cannot be reached, Invalid
// when no certificate it sends matches the pin. This first contact sends no
// credential (GET /api/healthz), so an impostor learns nothing.
Result<std::string> FetchPinnedCa(const std::string& https_url, const std::string& sha256_hex);

// For TLS clients outside httplib (a WebSocket over Beast): sets up `ctx`
// the way NewHttpClient sets up its own, from the client certificate to the
// trusted CAs or pin (or no check with insecure_skip_verify). Invalid when
// the options are unusable.
Status ConfigureTlsClientContext(ssl_ctx_st* ctx, const TlsClientOptions& options);

// After such a client's handshake: the server's certificate must name
// `host` (a DNS name or an IP address), as httplib checks for its clients.
// Always OK when verification is off.
Status CheckServerName(ssl_st* ssl, const std::string& host, const TlsClientOptions& options);

// Why a request failed, in words: for TLS failures the certificate problem
// ("certificate verify failed: unable to get local issuer certificate").
std::string DescribeClientError(const httplib::Client& client, httplib::Error error);

}  // namespace cara::net
