// Making API tokens: the token API's create, the admin token at start-up,
// and (for the join flow) a node's credential bound to its node name.
#pragma once

#include <optional>
#include <string>

#include "api/authorization.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"
#include "store/token_records.h"

namespace cara::server {

struct TokenRequest {
  api::Role role = api::Role::kViewer;
  std::string description;
  std::optional<Duration> ttl;  // none: until revoked
  std::string node_name;        // role node
  std::string name_prefix;      // role preview
  Duration max_ttl{0};          // role preview
};

struct IssuedToken {
  store::TokenRecord record;
  std::string token;  // the bearer string: shown once, never stored
};

// Stores the hash of a fresh token. The caller checks the request's
// validity (the token API refuses role node: only the join flow grants it).
Result<IssuedToken> IssueToken(store::Store& store, const TokenRequest& request, Timestamp now);

// A node's credential: role node, bound to `node_name`. Every older
// credential of that node is revoked, so a re-joined node's old disk (or a
// copy of it) stops working.
Result<IssuedToken> IssueNodeToken(store::Store& store, const std::string& node_name,
                                   Timestamp now);

// Revokes every node credential bound to `node_name` except `keep_id` (the
// Node was deleted, or it joined again).
Status RevokeNodeTokens(store::Store& store, const std::string& node_name,
                        const std::string& keep_id = "");

// Makes `token` a valid token of `role` that never expires (idempotent: a
// restart, or several replicas starting with the same token, leave one
// record). Invalid if the text is not a token. For the tokens cara-server
// keeps in files: admin.token and the credential inside join.token.
Status EnsureStartupToken(store::Store& store, const std::string& token, api::Role role,
                          const std::string& description, Timestamp now);
inline Status EnsureAdminToken(store::Store& store, const std::string& token, Timestamp now) {
  return EnsureStartupToken(store, token, api::Role::kAdmin, "admin token (start-up)", now);
}

}  // namespace cara::server
