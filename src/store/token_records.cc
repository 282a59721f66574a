#include "store/token_records.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace cara::store {

std::string EncodeTokenRecord(const TokenRecord& r) {
  nlohmann::ordered_json body = {{"id", r.id},
                                 {"role", api::RoleName(r.role)},
                                 {"description", r.description},
                                 {"createdAt", FormatRfc3339(r.created_at)},
                                 {"sha256", r.sha256}};
  if (!r.node_name.empty()) body["nodeName"] = r.node_name;
  if (!r.name_prefix.empty()) body["namePrefix"] = r.name_prefix;
  if (r.max_ttl.count() > 0) body["maxTTL"] = FormatDuration(r.max_ttl);
  if (r.expires_at) body["expiresAt"] = FormatRfc3339(*r.expires_at);
  return body.dump();
}

namespace {

Result<TokenRecord> DecodeFields(const nlohmann::json& j) {
  TokenRecord r;
  r.id = j.at("id").get<std::string>();
  auto role = api::ParseRole(j.at("role").get<std::string>());
  if (!role) return Status::Invalid("unknown role");
  r.role = *role;
  r.description = j.value("description", "");
  r.node_name = j.value("nodeName", "");
  r.name_prefix = j.value("namePrefix", "");
  r.sha256 = j.at("sha256").get<std::string>();
  auto created = ParseRfc3339(j.at("createdAt").get<std::string>());
  if (!created.ok()) return created.status();
  r.created_at = *created;
  if (j.contains("maxTTL")) {
    auto ttl = ParseDuration(j["maxTTL"].get<std::string>());
    if (!ttl.ok()) return ttl.status();
    r.max_ttl = *ttl;
  }
  if (j.contains("expiresAt")) {
    auto expires = ParseRfc3339(j["expiresAt"].get<std::string>());
    if (!expires.ok()) return expires.status();
    r.expires_at = *expires;
  }
  return r;
}

}  // namespace

Result<TokenRecord> DecodeTokenRecord(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Status::Internal("corrupt token record");
  try {
    auto r = DecodeFields(j);
    if (!r.ok()) return Status::Internal("corrupt token record: " + r.status().message());
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal(std::string("corrupt token record: ") + e.what());
  }
}

Status InsertToken(Store& store, const TokenRecord& record) {
  return store.InsertRecord(kKindToken, record.id, EncodeTokenRecord(record), /*announce=*/true);
}

Status DeleteToken(Store& store, const std::string& id) {
  return store.DeleteRecord(kKindToken, id, /*announce=*/true);
}

Result<std::optional<TokenRecord>> GetToken(Store& store, const std::string& id) {
  auto body = store.GetRecord(kKindToken, id);
  if (!body.ok()) return body.status();
  if (!*body) return std::optional<TokenRecord>();
  auto record = DecodeTokenRecord(**body);
  if (!record.ok()) return record.status();
  return std::optional<TokenRecord>(std::move(*record));
}

Result<std::vector<TokenRecord>> ListTokens(Store& store) {
  auto bodies = store.ListRecords(kKindToken);
  if (!bodies.ok()) return bodies.status();
  std::vector<TokenRecord> out;
  for (const std::string& body : *bodies) {
    auto record = DecodeTokenRecord(body);
    if (!record.ok()) return record.status();
    out.push_back(std::move(*record));
  }
  return out;
}

}  // namespace cara::store
