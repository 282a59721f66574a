// Joining the cluster (k3s-style): with only the server's URL and a join
// token, an agent checks that the server's CA hashes to the value in the
// token before it sends anything, then trades the token's credential and a
// certificate signing request for a node credential bound to its name and a
// certificate for its API. The result is kept in the state dir, so restarts
// need no join token; a rejected credential (the Node was deleted, or it
// joined again elsewhere) is replaced by joining again.
#pragma once

#include <string>

#include "agent/node_identity.h"
#include "common/status.h"

namespace cara::agent {

struct JoinSettings {
  std::string server_url;  // https://...
  std::string join_token;  // K10<CA hash>::<credential>; may be empty after the first join
  std::string node_name;
  std::string advertise_ip;  // goes into the certificate's subjectAltName
  std::string state_dir;
};

// Joins and saves the identity in the state dir.
Result<NodeIdentity> JoinCluster(const JoinSettings& settings);

// The identity to run with: the saved one when it is for this node name and
// the server still accepts it (or cannot be asked right now), else a fresh
// join, which needs the join token. Errors say what to do.
Result<NodeIdentity> EstablishNodeIdentity(const JoinSettings& settings);

}  // namespace cara::agent
