#include "agent/node_identity.h"

#include "agent/node_credentials.h"
#include "security/atomic_file.h"

namespace cara::agent {
namespace {

constexpr mode_t kSecretMode = 0600;

// A file's contents without the trailing newline people add when they
// write such files by hand.
std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string PathOf(const std::string& dir, const char* name) { return dir + "/" + name; }
std::string NodeCertFile(const std::string& dir) { return PathOf(dir, kNodeCertFileName); }
std::string NodeKeyFile(const std::string& dir) { return PathOf(dir, kNodeKeyFileName); }
std::string ClusterCaFile(const std::string& dir) { return PathOf(dir, kClusterCaFileName); }

}  // namespace

Result<std::optional<NodeIdentity>> LoadNodeIdentity(const std::string& state_dir) {
  Result<std::string> token = security::ReadWholeFile(PathOf(state_dir, "node.token"));
  if (!token.ok() && token.status().code() == Code::kNotFound) {
    return std::optional<NodeIdentity>();
  }
  if (!token.ok()) return token.status();
  NodeIdentity identity;
  identity.token = Trimmed(*token);
  const struct {
    std::string path;
    std::string* value;
  } files[] = {
      {PathOf(state_dir, "node.name"), &identity.node_name},
      {NodeKeyFile(state_dir), &identity.key_pem},
      {NodeCertFile(state_dir), &identity.cert_pem},
      {ClusterCaFile(state_dir), &identity.ca_pem},
  };
  for (const auto& f : files) {
    Result<std::string> text = security::ReadWholeFile(f.path);
    if (!text.ok()) return text.status().Wrap("incomplete agent state (join again)");
    *f.value = f.value == &identity.node_name ? Trimmed(*text) : *text;
  }
  return std::optional<NodeIdentity>(std::move(identity));
}

Status SaveNodeIdentity(const std::string& state_dir, const NodeIdentity& identity) {
  CARA_RETURN_IF_ERROR(security::MakePrivateDirectory(state_dir));
  // The token last: its presence is what marks the state as complete.
  const struct {
    std::string path;
    const std::string* value;
  } files[] = {
      {PathOf(state_dir, "node.name"), &identity.node_name},
      {NodeKeyFile(state_dir), &identity.key_pem},
      {NodeCertFile(state_dir), &identity.cert_pem},
      {ClusterCaFile(state_dir), &identity.ca_pem},
      {PathOf(state_dir, "node.token"), &identity.token},
  };
  for (const auto& f : files) {
    CARA_RETURN_IF_ERROR(security::WriteFileAtomically(f.path, *f.value, kSecretMode));
  }
  return Status::Ok();
}

}  // namespace cara::agent
