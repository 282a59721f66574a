// What a joined agent keeps in its state dir, so that a restart needs no join
// token and the node's key never leaves the machine:
//
//   <state dir>/           0700
//     node.name            the node name the credential is bound to
//     node.token           the node credential (a bearer token, role node)
//     node.key             the key of the agent API's certificate
//     node.crt             that certificate, signed by the cluster CA
//     ca.crt               the cluster CA, pinned at join
//
// Every file is 0600 and written atomically. node.crt, node.key and ca.crt
// are also what the agent API serves mutual TLS with (node_credentials.h).
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace cara::agent {

struct NodeIdentity {
  std::string node_name;
  std::string token;
  std::string key_pem;
  std::string cert_pem;
  std::string ca_pem;
};

// The identity saved in `state_dir`, or nullopt when there is none (no
// node.token). A partial or unreadable one is an error naming the file.
Result<std::optional<NodeIdentity>> LoadNodeIdentity(const std::string& state_dir);

// Creates `state_dir` (0700) if needed and writes every file of `identity`.
Status SaveNodeIdentity(const std::string& state_dir, const NodeIdentity& identity);

}  // namespace cara::agent
