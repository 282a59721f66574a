#include "server/authenticator.h"

#include "security/token.h"

namespace cara::server {
namespace {

Problem Unauthorized(const std::string& why) {
  return Problem{401, "authentication required: " + why, {}};
}

}  // namespace

Decoded<api::Principal> Authenticate(const TokenCache& tokens, const std::string& authorization,
                                     Timestamp now) {
  static const std::string kScheme = "Bearer ";
  if (authorization.empty()) return Unauthorized("no bearer token");
  if (authorization.compare(0, kScheme.size(), kScheme) != 0) {
    return Unauthorized("the Authorization header is not a bearer token");
  }
  const std::string token = authorization.substr(kScheme.size());
  auto id = security::TokenId(token);
  if (!id.ok()) return Unauthorized("malformed bearer token");
  auto record = tokens.Find(*id);
  if (!record || !security::TokenMatches(token, record->sha256)) {
    return Unauthorized("unknown or revoked token");
  }
  if (record->expires_at && *record->expires_at <= now) {
    return Unauthorized("token " + record->id + " has expired");
  }
  api::Principal who;
  who.token_id = record->id;
  who.description = record->description;
  who.role = record->role;
  who.node_name = record->node_name;
  who.name_prefix = record->name_prefix;
  who.max_ttl = record->max_ttl;
  return who;
}

api::Principal NoAuthPrincipal() {
  api::Principal who;
  who.description = "unauthenticated (--no-auth)";
  who.role = api::Role::kAdmin;
  return who;
}

}  // namespace cara::server
