#include "agent/join.h"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "common/log.h"
#include "net/https_client.h"
#include "security/join_token.h"
#include "security/node_certificate.h"

namespace cara::agent {
namespace {

using nlohmann::json;

constexpr int kTimeoutSeconds = 10;

std::unique_ptr<httplib::Client> ClientFor(const std::string& url, const std::string& token,
                                           const std::string& ca_pem) {
  net::ClientCredentials credentials;
  credentials.token = token;
  credentials.tls.ca_pem = ca_pem;
  auto client = net::NewHttpClient(url, credentials);
  client->set_connection_timeout(kTimeoutSeconds, 0);
  client->set_read_timeout(kTimeoutSeconds, 0);
  client->set_write_timeout(kTimeoutSeconds, 0);
  return client;
}

// "<status>: <detail of the problem body>" for a refused call.
std::string Refusal(const httplib::Response& r) {
  auto j = json::parse(r.body, nullptr, false);
  std::string detail = j.is_object() ? j.value("detail", "") : "";
  return std::to_string(r.status) + (detail.empty() ? "" : ": " + detail);
}

Result<NodeIdentity> ParseJoinResponse(const std::string& body, const std::string& node_name,
                                       const std::string& key_pem, const std::string& ca_pem) {
  auto j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("token") || !j["token"].is_string() ||
      !j.contains("certificate") || !j["certificate"].is_string()) {
    return Status::Internal("join: the server's answer has no token or certificate");
  }
  return NodeIdentity{node_name, j["token"].get<std::string>(), key_pem,
                      j["certificate"].get<std::string>(), ca_pem};
}

// Whether the server still takes `identity`'s credential. A server that
// cannot be reached is given the benefit of the doubt: the agent retries.
bool CredentialRejected(const JoinSettings& s, const NodeIdentity& identity) {
  auto client = ClientFor(s.server_url, identity.token, identity.ca_pem);
  auto r = client->Get("/api/v1/nodes/" + identity.node_name);
  return r && r->status == 401;
}

}  // namespace

Result<NodeIdentity> JoinCluster(const JoinSettings& s) {
  Result<security::JoinToken> token = security::ParseJoinToken(s.join_token);
  if (!token.ok()) return token.status();
  // Nothing is sent before the server proves it holds the pinned CA.
  Result<std::string> ca_pem = net::FetchPinnedCa(s.server_url, token->ca_sha256);
  if (!ca_pem.ok()) return ca_pem.status().Wrap("join: the server is not the one the token names");
  Result<security::NodeKeyAndCsr> csr = security::NewNodeKeyAndCsr(s.node_name, s.advertise_ip);
  if (!csr.ok()) return csr.status();
  auto client = ClientFor(s.server_url, token->credential, *ca_pem);
  json request = {{"nodeName", s.node_name}, {"csr", csr->csr_pem}};
  auto r = client->Post("/api/v1/join", request.dump(), "application/json");
  if (!r) {
    return Status::Unavailable("join: cannot reach " + s.server_url + ": " +
                               net::DescribeClientError(*client, r.error()));
  }
  if (r->status != 201) return Status::Invalid("join: the server refused: " + Refusal(*r));
  Result<NodeIdentity> identity = ParseJoinResponse(r->body, s.node_name, csr->key_pem, *ca_pem);
  if (!identity.ok()) return identity;
  CARA_RETURN_IF_ERROR(SaveNodeIdentity(s.state_dir, *identity));
  LOG_INFO("joined the cluster").Kv("node", s.node_name).Kv("state_dir", s.state_dir);
  return identity;
}

Result<NodeIdentity> EstablishNodeIdentity(const JoinSettings& s) {
  Result<std::optional<NodeIdentity>> saved = LoadNodeIdentity(s.state_dir);
  if (!saved.ok() && s.join_token.empty()) return saved.status();
  const bool usable = saved.ok() && saved->has_value() && (*saved)->node_name == s.node_name;
  if (usable && (s.join_token.empty() || !CredentialRejected(s, **saved))) return **saved;
  if (s.join_token.empty()) {
    if (usable) return **saved;
    return Status::Invalid("no node credential for " + s.node_name + " in " + s.state_dir +
                           ": start once with --join-token (CARA_JOIN_TOKEN); the server keeps "
                           "it in <data dir>/join.token");
  }
  if (usable) LOG_WARN("the server rejected the saved node credential: joining again");
  return JoinCluster(s);
}

}  // namespace cara::agent
