#include "server/agent_client.h"

#include <httplib.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <filesystem>

#include "net/host_port.h"
#include "security/certificate.h"
#include "security/node_certificate.h"

namespace cara::server {
namespace {

constexpr int kDefaultAgentPort = 9090;

// The CN an agent's certificate must carry, kept on the client's certificate
// store (every httplib client has its own SSL_CTX, hence its own store) and
// freed with it.
void FreeExpectedName(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<std::string*>(ptr);
}

int ExpectedNameIndex() {
  static const int index =
      X509_STORE_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeExpectedName);
  return index;
}

// OpenSSL checks the chain to the cluster CA (and serverAuth); this adds
// the one thing it cannot know: which node the certificate must belong to.
// Another node's certificate, from the same CA, fails verification here.
int VerifyAgentLeaf(int preverified, X509_STORE_CTX* ctx) {
  if (!preverified || X509_STORE_CTX_get_error_depth(ctx) > 0) return preverified;
  const auto* expected = static_cast<const std::string*>(
      X509_STORE_get_ex_data(X509_STORE_CTX_get0_store(ctx), ExpectedNameIndex()));
  if (expected && security::CommonName(X509_STORE_CTX_get_current_cert(ctx)) == *expected) {
    return 1;
  }
  X509_STORE_CTX_set_error(ctx, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

}  // namespace

AgentClientTls AgentClientTlsIn(const std::string& pki_dir) {
  namespace fs = std::filesystem;
  AgentClientTls tls{(fs::path(pki_dir) / "ca.crt").string(),
                     (fs::path(pki_dir) / "agent-client.crt").string(),
                     (fs::path(pki_dir) / "agent-client.key").string()};
  std::error_code ec;
  if (!fs::exists(tls.cert_file, ec) || !fs::exists(tls.key_file, ec)) return {};
  return tls;
}

Result<std::string> AgentAddressOf(const api::Node& node) {
  const std::string& ip = node.status.network.ip;
  if (ip.empty()) {
    return Status::Conflict("node " + node.metadata.name + " has not reported its address");
  }
  int64_t port = node.status.network.agent_port;
  return net::JoinHostPort(ip, port > 0 ? static_cast<int>(port) : kDefaultAgentPort);
}

void RequireAgentCertificate(SSL_CTX* ctx, const std::string& node_name) {
  if (!ctx) return;  // unusable client credentials: the handshake fails anyway
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  X509_STORE_set_ex_data(store, ExpectedNameIndex(),
                         new std::string(security::NodeCommonName(node_name)));
  X509_STORE_set_verify_cb(store, VerifyAgentLeaf);
}

std::unique_ptr<httplib::Client> NewAgentClient(const std::string& address,
                                                const std::string& node_name,
                                                const AgentClientTls& tls) {
  if (!tls.enabled()) return std::make_unique<httplib::Client>("http://" + address);
  auto client =
      std::make_unique<httplib::Client>("https://" + address, tls.cert_file, tls.key_file);
  client->set_ca_cert_path(tls.ca_file.c_str());
  // Also checks that the registered IP is among the certificate's names.
  client->enable_server_certificate_verification(true);
  RequireAgentCertificate(client->ssl_context(), node_name);
  return client;
}

}  // namespace cara::server
