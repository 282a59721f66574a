#include "net/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

namespace cara::net {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla's "intermediate" TLS 1.2 list: ECDHE key exchange, AEAD ciphers.
// TLS 1.3 suites are OpenSSL's defaults, which are all of that kind.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Session resumption with client certificates needs a context id.
constexpr unsigned char kSessionContext[] = "cara-http-server";

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

std::string CommonName(X509* cert) {
  char cn[256] = {};
  int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return n < 0 ? std::string() : std::string(cn, static_cast<size_t>(n));
}

// Requires a client certificate from `ca_file`; with a required CN, the
// leaf must carry exactly that name (checked during the handshake, so a
// refused client gets a TLS alert rather than a dropped connection).
Status RequireClientCertificates(ssl::context& ctx, const TlsServerOptions& options) {
  if (SSL_CTX_load_verify_locations(ctx.native_handle(), options.client_ca_file.c_str(), nullptr) !=
      1) {
    return Status::Invalid("cannot use TLS client CA file " + options.client_ca_file + ": " +
                           OpenSslError());
  }
  ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  if (options.required_client_cn.empty()) return Status::Ok();
  ctx.set_verify_callback(
      [cn = options.required_client_cn](bool preverified, ssl::verify_context& vc) {
        X509_STORE_CTX* store = vc.native_handle();
        if (!preverified || X509_STORE_CTX_get_error_depth(store) > 0) return preverified;
        return CommonName(X509_STORE_CTX_get_current_cert(store)) == cn;
      });
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ssl::context>> NewTlsServerContext(const TlsServerOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return Status::Internal("cannot set TLS ciphers: " + OpenSslError());
  }
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  if (SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) != 1) {
    return Status::Invalid("cannot use TLS certificate file " + options.cert_file + ": " +
                           OpenSslError());
  }
  if (SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return Status::Invalid("cannot use TLS key file " + options.key_file + ": " + OpenSslError());
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    return Status::Invalid("TLS key file " + options.key_file + " does not match " +
                           options.cert_file);
  }
  if (!options.client_ca_file.empty()) {
    Status client = RequireClientCertificates(*ctx, options);
    if (!client.ok()) return client;
  }
  return ctx;
}

}  // namespace cara::net
