#include "server/token_issuer.h"

#include "security/token.h"

namespace cara::server {

Result<IssuedToken> IssueToken(store::Store& store, const TokenRequest& request, Timestamp now) {
  auto fresh = security::GenerateToken();
  if (!fresh.ok()) return fresh.status();
  store::TokenRecord record;
  record.id = fresh->id;
  record.role = request.role;
  record.description = request.description;
  record.node_name = request.node_name;
  record.name_prefix = request.name_prefix;
  record.max_ttl = request.max_ttl;
  record.created_at = now;
  if (request.ttl) record.expires_at = now + *request.ttl;
  record.sha256 = security::TokenSha256(fresh->token);
  CARA_RETURN_IF_ERROR(store::InsertToken(store, record));
  return IssuedToken{std::move(record), std::move(fresh->token)};
}

Result<IssuedToken> IssueNodeToken(store::Store& store, const std::string& node_name,
                                   Timestamp now) {
  TokenRequest request;
  request.role = api::Role::kNode;
  request.node_name = node_name;
  request.description = "node " + node_name;
  Result<IssuedToken> issued = IssueToken(store, request, now);
  if (!issued.ok()) return issued;
  CARA_RETURN_IF_ERROR(RevokeNodeTokens(store, node_name, issued->record.id));
  return issued;
}

Status RevokeNodeTokens(store::Store& store, const std::string& node_name,
                        const std::string& keep_id) {
  auto tokens = store::ListTokens(store);
  if (!tokens.ok()) return tokens.status();
  for (const store::TokenRecord& t : *tokens) {
    if (t.role != api::Role::kNode || t.node_name != node_name || t.id == keep_id) continue;
    Status st = store::DeleteToken(store, t.id);
    if (!st.ok() && st.code() != Code::kNotFound) return st;
  }
  return Status::Ok();
}

Status EnsureStartupToken(store::Store& store, const std::string& token, api::Role role,
                          const std::string& description, Timestamp now) {
  auto id = security::TokenId(token);
  if (!id.ok()) {
    return Status::Invalid("the " + api::RoleName(role) +
                           " token is not a cara_<id>_<secret> token");
  }
  store::TokenRecord record;
  record.id = *id;
  record.role = role;
  record.description = description;
  record.created_at = now;
  record.sha256 = security::TokenSha256(token);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto existing = store::GetToken(store, *id);
    if (!existing.ok()) return existing.status();
    if (*existing) {
      const store::TokenRecord& e = **existing;
      if (e.role == role && !e.expires_at && security::TokenMatches(token, e.sha256)) {
        return Status::Ok();
      }
      // Same id, other secret or role: the operator's token wins.
      Status st = store::DeleteToken(store, *id);
      if (!st.ok() && st.code() != Code::kNotFound) return st;
    }
    Status st = store::InsertToken(store, record);
    if (st.code() != Code::kAlreadyExists) return st;  // else a replica raced us: look again
  }
  return Status::Conflict(api::RoleName(role) + " token keeps changing under us");
}

}  // namespace cara::server
