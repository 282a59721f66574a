#include "net/https_client.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <mutex>

#include "security/atomic_file.h"
#include "security/ca_hash.h"
#include "security/openssl_ptr.h"

namespace cara::net {

namespace {

using security::X509Ptr;
using security::X509StorePtr;

// What a https client trusts. httplib's own check would add the system's CA
// store and cannot pin, so the chain is verified here instead (httplib still
// checks the host name afterwards).
struct TrustPolicy {
  X509StorePtr trusted;  // the CAs given, or null: the CA in the chain that hashes to pin
  std::string pin;
  std::mutex mu;
  std::string matched_ca_pem;  // the pinned CA the last handshake chained to
};

bool IsSha256Hex(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsHttps(const std::string& url) { return url.rfind("https://", 0) == 0; }

// Every certificate in `pem`; Invalid when there is none.
Result<std::vector<X509Ptr>> CertsFromPem(const std::string& pem, const std::string& where) {
  security::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<X509Ptr> certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  security::OpenSslError();  // the loop ends on a "no start line" error
  if (certs.empty()) return Status::Invalid(where + ": no PEM certificate found");
  return certs;
}

// The CA PEM text the options name, and where it came from (for errors).
Result<std::string> CaPem(const TlsClientOptions& options, std::string* where) {
  if (options.ca_file.empty()) {
    *where = "CA certificate data";
    return options.ca_pem;
  }
  *where = "CA file " + options.ca_file;
  Result<std::string> pem = security::ReadWholeFile(options.ca_file);
  if (!pem.ok()) return Status::Invalid("cannot read " + *where + ": " + pem.status().message());
  return pem;
}

// The trust store for `options`: the given CAs, only those that hash to the
// pin when there is one.
Result<X509StorePtr> TrustedStore(const TlsClientOptions& options) {
  std::string where;
  Result<std::string> pem = CaPem(options, &where);
  if (!pem.ok()) return pem.status();
  Result<std::vector<X509Ptr>> certs = CertsFromPem(*pem, where);
  if (!certs.ok()) return certs.status();
  X509StorePtr store(X509_STORE_new());
  int added = 0;
  for (const X509Ptr& cert : *certs) {
    Result<std::string> hash = security::CertSha256(cert.get());
    if (!hash.ok()) return hash.status();
    if (!options.expected_ca_sha256.empty() && *hash != options.expected_ca_sha256) continue;
    if (X509_STORE_add_cert(store.get(), cert.get()) != 1) {
      return Status::Invalid(where + ": " + security::OpenSslError());
    }
    ++added;
  }
  if (added == 0) {
    return Status::Invalid(where + ": no certificate has the expected CA hash " +
                           options.expected_ca_sha256);
  }
  return store;
}

// The certificate of the peer's chain whose fingerprint is `pin`, or null.
X509* FindPinned(STACK_OF(X509) * chain, const std::string& pin) {
  for (int i = 0; chain && i < sk_X509_num(chain); ++i) {
    X509* cert = sk_X509_value(chain, i);
    Result<std::string> hash = security::CertSha256(cert);
    if (hash.ok() && *hash == pin) return cert;
  }
  return nullptr;
}

// OpenSSL's whole-chain verification hook: the server's chain must lead to
// a trusted CA (or the pinned one it carries) and be meant for a TLS server.
int VerifyServerChain(X509_STORE_CTX* ctx, void* arg) {
  auto* policy = static_cast<TrustPolicy*>(arg);
  X509* leaf = X509_STORE_CTX_get0_cert(ctx);
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_untrusted(ctx);
  X509_STORE* store = policy->trusted.get();
  X509StorePtr pinned;
  X509* pinned_ca = nullptr;
  if (!store) {
    pinned_ca = policy->pin.empty() ? nullptr : FindPinned(chain, policy->pin);
    if (!pinned_ca) {
      X509_STORE_CTX_set_error(ctx, X509_V_ERR_CERT_UNTRUSTED);
      return 0;
    }
    pinned.reset(X509_STORE_new());
    X509_STORE_add_cert(pinned.get(), pinned_ca);
    store = pinned.get();
  }
  security::X509StoreCtxPtr check(X509_STORE_CTX_new());
  if (!check || X509_STORE_CTX_init(check.get(), store, leaf, chain) != 1) {
    X509_STORE_CTX_set_error(ctx, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  X509_STORE_CTX_set_default(check.get(), "ssl_server");
  bool ok = X509_verify_cert(check.get()) == 1;
  X509_STORE_CTX_set_error(ctx, ok ? X509_V_OK : X509_STORE_CTX_get_error(check.get()));
  if (ok && pinned_ca) {
    security::BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), pinned_ca);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    std::lock_guard<std::mutex> lock(policy->mu);
    policy->matched_ca_pem.assign(data, static_cast<size_t>(size));
  }
  return ok ? 1 : 0;
}

// The SSL_CTX owns a reference to its policy, released when httplib frees it.
void FreePolicy(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::shared_ptr<TrustPolicy>*>(ptr);
}

int PolicyIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreePolicy);
  return index;
}

void UsePolicy(SSL_CTX* ctx, std::shared_ptr<TrustPolicy> policy) {
  TrustPolicy* raw = policy.get();
  SSL_CTX_set_ex_data(ctx, PolicyIndex(), new std::shared_ptr<TrustPolicy>(std::move(policy)));
  SSL_CTX_set_cert_verify_callback(ctx, VerifyServerChain, raw);
}

std::unique_ptr<httplib::Client> NewHttpsClient(const std::string& base_url,
                                                const TlsClientOptions& options,
                                                std::shared_ptr<TrustPolicy> policy) {
  auto client = std::make_unique<httplib::Client>(base_url, options.client_cert_file,
                                                  options.client_key_file);
  client->set_tcp_nodelay(true);
  if (!policy) {
    client->enable_server_certificate_verification(false);
    return client;
  }
  client->enable_server_certificate_verification(true);
  SSL_CTX* ctx = client->ssl_context();
  if (!ctx) return client;  // a bad client certificate: httplib refuses every request
  UsePolicy(ctx, std::move(policy));
  return client;
}

// The policy for `options`, null for no verification. Unusable options give
// a policy that trusts nothing.
std::shared_ptr<TrustPolicy> PolicyFor(const TlsClientOptions& options) {
  if (options.insecure_skip_verify && options.expected_ca_sha256.empty()) return nullptr;
  auto policy = std::make_shared<TrustPolicy>();
  if (!CheckTlsClientOptions(options).ok()) {
    policy->trusted.reset(X509_STORE_new());
    return policy;
  }
  policy->pin = options.expected_ca_sha256;
  if (!options.ca_file.empty() || !options.ca_pem.empty()) {
    policy->trusted = TrustedStore(options).value();
  }
  return policy;
}

Status CheckReadable(const std::string& path, const char* what) {
  if (path.empty()) return Status::Ok();
  Result<std::string> data = security::ReadWholeFile(path);
  if (!data.ok())
    return Status::Invalid(std::string("cannot read ") + what + ": " + data.status().message());
  return Status::Ok();
}

}  // namespace

Status CheckTlsClientOptions(const TlsClientOptions& options) {
  if (!options.expected_ca_sha256.empty() && !IsSha256Hex(options.expected_ca_sha256)) {
    return Status::Invalid("the expected CA hash must be 64 lowercase hex digits");
  }
  if (!options.ca_file.empty() || !options.ca_pem.empty()) {
    Result<X509StorePtr> store = TrustedStore(options);
    if (!store.ok()) return store.status();
  }
  if (options.client_cert_file.empty() != options.client_key_file.empty()) {
    return Status::Invalid("a client certificate needs both a certificate and a key file");
  }
  Status cert = CheckReadable(options.client_cert_file, "client certificate");
  if (!cert.ok()) return cert;
  return CheckReadable(options.client_key_file, "client key");
}

Status ConfigureTlsClientContext(SSL_CTX* ctx, const TlsClientOptions& options) {
  CARA_RETURN_IF_ERROR(CheckTlsClientOptions(options));
  if (!options.client_cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, options.client_cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, options.client_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return Status::Invalid("cannot use client certificate " + options.client_cert_file);
    }
  }
  std::shared_ptr<TrustPolicy> policy = PolicyFor(options);
  if (!policy) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    return Status::Ok();
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  UsePolicy(ctx, std::move(policy));
  return Status::Ok();
}

Status CheckServerName(SSL* ssl, const std::string& host, const TlsClientOptions& options) {
  if (options.insecure_skip_verify && options.expected_ca_sha256.empty()) return Status::Ok();
  X509Ptr peer(SSL_get1_peer_certificate(ssl));
  if (!peer) return Status::Unavailable("the server sent no certificate");
  const bool ip_matches = X509_check_ip_asc(peer.get(), host.c_str(), 0) == 1;
  if (ip_matches || X509_check_host(peer.get(), host.data(), host.size(), 0, nullptr) == 1) {
    return Status::Ok();
  }
  return Status::Unavailable("the server's certificate is not valid for " + host);
}

std::unique_ptr<httplib::Client> NewHttpClient(const std::string& base_url,
                                               const TlsClientOptions& options) {
  if (!IsHttps(base_url)) {
    auto client = std::make_unique<httplib::Client>(base_url);
    client->set_tcp_nodelay(true);
    return client;
  }
  return NewHttpsClient(base_url, options, PolicyFor(options));
}

std::unique_ptr<httplib::Client> NewHttpClient(const std::string& base_url,
                                               const ClientCredentials& credentials) {
  auto client = NewHttpClient(base_url, credentials.tls);
  if (!credentials.token.empty()) client->set_bearer_token_auth(credentials.token);
  return client;
}

Result<std::string> FetchPinnedCa(const std::string& https_url, const std::string& sha256_hex) {
  if (!IsHttps(https_url)) return Status::Invalid("CA pinning needs an https:// URL");
  if (!IsSha256Hex(sha256_hex)) {
    return Status::Invalid("the expected CA hash must be 64 lowercase hex digits");
  }
  auto policy = std::make_shared<TrustPolicy>();
  policy->pin = sha256_hex;
  TlsClientOptions options;
  options.expected_ca_sha256 = sha256_hex;
  auto client = NewHttpsClient(https_url, options, policy);
  client->set_connection_timeout(10, 0);
  client->set_read_timeout(10, 0);
  httplib::Result r = client->Get("/api/healthz");
  if (!r) {
    std::string why = DescribeClientError(*client, r.error());
    if (client->get_openssl_verify_result() == X509_V_ERR_CERT_UNTRUSTED) {
      return Status::Invalid("server " + https_url + " does not present the CA with hash " +
                             sha256_hex + " (wrong server, or a stale join token)");
    }
    return Status::Unavailable("cannot reach " + https_url + ": " + why);
  }
  std::lock_guard<std::mutex> lock(policy->mu);
  return policy->matched_ca_pem;
}

std::string DescribeClientError(const httplib::Client& client, httplib::Error error) {
  switch (error) {
    case httplib::Error::SSLServerVerification: {
      long result = client.get_openssl_verify_result();
      if (result == X509_V_OK) return "the server's certificate is not valid for its host name";
      return std::string("the server's certificate is not trusted: ") +
             X509_verify_cert_error_string(result);
    }
    case httplib::Error::SSLConnection:
      return "TLS handshake failed (does the server speak https, and the URL say so?)";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the client certificate or CA";
    default:
      return httplib::to_string(error);
  }
}

}  // namespace cara::net
