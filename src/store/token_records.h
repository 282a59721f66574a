// API tokens as store records (kind "Token", named by the token id). A
// record holds the SHA-256 of the token, never the token; revoking a token
// deletes its record.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/authorization.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace cara::store {

inline constexpr char kKindToken[] = "Token";

struct TokenRecord {
  std::string id;
  api::Role role = api::Role::kViewer;
  std::string description;
  std::string node_name;    // role node
  std::string name_prefix;  // role preview
  Duration max_ttl{0};      // role preview
  Timestamp created_at;
  std::optional<Timestamp> expires_at;  // none: until revoked
  std::string sha256;                   // of the whole token string
};

std::string EncodeTokenRecord(const TokenRecord& record);
Result<TokenRecord> DecodeTokenRecord(const std::string& body);

// AlreadyExists if the id is taken. Other replicas hear of it.
Status InsertToken(Store& store, const TokenRecord& record);
// NotFound if there is no such token.
Status DeleteToken(Store& store, const std::string& id);
Result<std::optional<TokenRecord>> GetToken(Store& store, const std::string& id);
// Oldest first.
Result<std::vector<TokenRecord>> ListTokens(Store& store);

}  // namespace cara::store
