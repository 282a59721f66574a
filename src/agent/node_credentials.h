// Where a node keeps its TLS identity: node.crt, node.key and ca.crt in the
// agent's state dir (--state-dir). The join flow writes them; the agent API
// serves mutual TLS with them.
#pragma once

#include <string>

#include "agent/agent_http_server.h"
#include "common/status.h"

namespace cara::agent {

inline constexpr char kNodeCertFileName[] = "node.crt";
inline constexpr char kNodeKeyFileName[] = "node.key";
inline constexpr char kClusterCaFileName[] = "ca.crt";

// The three files under `state_dir` when all exist; empty files (plain
// HTTP) when none does. Some but not all is kInvalid naming the missing
// ones: serving plain HTTP because a key went missing would silently open
// the API to everyone.
Result<AgentTlsFiles> NodeCredentialsIn(const std::string& state_dir);

}  // namespace cara::agent
