// TLS identities issued the way a cluster issues them (security/ functions),
// until the join flow delivers them: a node's credentials in its state dir,
// and client certificates for tests of who the agent lets in.
#pragma once

#include <string>

#include "security/pki.h"

namespace cara::testing {

// The cluster PKI under `data_dir` (EnsurePki), then node.crt (CN
// node:<node_name>, SAN `ip`), node.key and ca.crt written to `state_dir`.
security::Pki IssueNodeCredentials(const std::string& data_dir, const std::string& node_name,
                                   const std::string& ip, const std::string& state_dir);

// A certificate and key the cluster CA signs for `common_name` with EKU
// clientAuth, written to <dir>/<file_stem>.crt and .key.
void IssueClientCredentials(const security::Pki& pki, const std::string& common_name,
                            const std::string& dir, const std::string& file_stem);

// A self-signed certificate (no CA involved) with CN `common_name`, written
// to <dir>/<file_stem>.crt and .key.
void WriteSelfSignedCredentials(const std::string& common_name, const std::string& dir,
                                const std::string& file_stem);

}  // namespace cara::testing
