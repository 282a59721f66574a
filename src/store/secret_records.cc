#include "store/secret_records.h"

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "common/go_quote.h"
#include "common/log.h"

namespace cara::store {
namespace {

using nlohmann::json;

constexpr char kAtRest[] = "atRest";
constexpr char kStateConflict[] = "operation conflicts with current resource state: ";

// Only what the API may show: values never enter the served part.
api::Secret WithoutValues(api::Secret secret) {
  secret.string_data.clear();
  secret.sealed_data.clear();
  return secret;
}

Result<SecretRecord> Decode(const std::optional<std::string>& body) {
  if (!body) return Status::NotFound("resource not found");
  return DecodeSecretRecord(*body);
}

Status CheckResourceVersion(const std::string& name, const std::string& requested,
                            const std::string& stored) {
  if (requested.empty() || requested == stored) return Status::Ok();
  return Status::Conflict(kStateConflict + std::string("secret ") + GoQuote(name) +
                          " has resourceVersion " + GoQuote(stored) +
                          ", the request was based on " + GoQuote(requested));
}

// `next` takes the stored record's server-managed metadata and, unless it
// is identical to `current`, a new version. Returns whether to write.
bool ApplyReplace(const SecretRecord& current, SecretRecord& next, int64_t revision,
                  Timestamp now) {
  api::ObjectMeta& meta = next.secret.metadata;
  const api::ObjectMeta& old = current.secret.metadata;
  meta.name = old.name;
  meta.created_at = old.created_at;
  meta.updated_at = old.updated_at;
  meta.resource_version = old.resource_version;
  meta.generation = old.generation;
  const bool same_data =
      next.secret.type == current.secret.type && next.secret.digests == current.secret.digests;
  // The blob is re-encrypted with a fresh nonce on every request: equal
  // digests mean equal values, so only a new key id makes it news.
  if (same_data && next.key_id == current.key_id && meta == old) return false;
  if (!same_data) meta.generation += 1;
  meta.updated_at = now;
  meta.resource_version = std::to_string(revision);
  return true;
}

}  // namespace

std::string EncodeSecretRecord(const SecretRecord& record) {
  nlohmann::ordered_json body = api::ToJson(WithoutValues(record.secret));
  body[kAtRest] = {{"keyId", record.key_id}, {"values", record.values_blob}};
  return body.dump();
}

Result<SecretRecord> DecodeSecretRecord(const std::string& text) {
  json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains(kAtRest) || !body[kAtRest].is_object()) {
    return Status::Internal("corrupt secret record");
  }
  SecretRecord record;
  const json& at_rest = body[kAtRest];
  if (!at_rest.value("keyId", json()).is_string() || !at_rest.value("values", json()).is_string()) {
    return Status::Internal("corrupt secret record: atRest");
  }
  record.key_id = at_rest["keyId"].get<std::string>();
  record.values_blob = at_rest["values"].get<std::string>();
  body.erase(kAtRest);
  auto secret = api::DecodeSecret(body);
  if (!secret.ok()) return Status::Internal("corrupt secret record: " + secret.status().message());
  record.secret = std::move(*secret);
  return record;
}

Result<SecretRecord> CreateSecret(Store& store, SecretRecord record, Timestamp now) {
  record.secret = WithoutValues(std::move(record.secret));
  api::ObjectMeta& meta = record.secret.metadata;
  auto written = store.MutateRecord(
      api::kKindSecret, meta.name,
      [&](const std::optional<std::string>& current,
          int64_t revision) -> Result<std::optional<std::string>> {
        if (current) return Status::AlreadyExists("resource already exists");
        meta.created_at = meta.updated_at = now;
        meta.generation = 1;
        meta.resource_version = std::to_string(revision);
        return std::optional<std::string>(EncodeSecretRecord(record));
      },
      /*announce=*/true);
  if (!written.ok()) return written.status();
  return record;
}

Result<SecretRecord> ReplaceSecret(Store& store, SecretRecord record, Timestamp now) {
  record.secret = WithoutValues(std::move(record.secret));
  const std::string name = record.secret.metadata.name;
  const std::string requested_version = record.secret.metadata.resource_version;
  std::optional<SecretRecord> result;
  auto written = store.MutateRecord(
      api::kKindSecret, name,
      [&](const std::optional<std::string>& body,
          int64_t revision) -> Result<std::optional<std::string>> {
        auto current = Decode(body);
        if (!current.ok()) return current.status();
        CARA_RETURN_IF_ERROR(CheckResourceVersion(name, requested_version,
                                                  current->secret.metadata.resource_version));
        SecretRecord next = record;
        if (!ApplyReplace(*current, next, revision, now)) {
          result = std::move(*current);
          return body;  // unchanged: the same body, no new version
        }
        result = next;
        return std::optional<std::string>(EncodeSecretRecord(next));
      },
      /*announce=*/true);
  if (!written.ok()) return written.status();
  return std::move(*result);
}

Status DeleteSecret(Store& store, const std::string& name) {
  return store.DeleteRecord(api::kKindSecret, name, /*announce=*/true);
}

Result<std::optional<SecretRecord>> GetSecret(Store& store, const std::string& name) {
  auto body = store.GetRecord(api::kKindSecret, name);
  if (!body.ok()) return body.status();
  if (!*body) return std::optional<SecretRecord>();
  auto record = DecodeSecretRecord(**body);
  if (!record.ok()) return record.status();
  return std::optional<SecretRecord>(std::move(*record));
}

Result<std::vector<SecretRecord>> ListSecrets(Store& store) {
  auto bodies = store.ListRecords(api::kKindSecret);
  if (!bodies.ok()) return bodies.status();
  std::vector<SecretRecord> out;
  for (const std::string& body : *bodies) {
    auto record = DecodeSecretRecord(body);
    if (!record.ok()) return record.status();
    out.push_back(std::move(*record));
  }
  return out;
}

Result<std::map<std::string, size_t>> ListSecretKeyIds(Store& store) {
  auto bodies = store.ListRecords(api::kKindSecret);
  if (!bodies.ok()) return bodies.status();
  std::map<std::string, size_t> ids;
  for (const std::string& text : *bodies) {
    json body = json::parse(text, nullptr, /*allow_exceptions=*/false);
    const json* id = body.is_object() && body.contains(kAtRest) && body[kAtRest].is_object() &&
                             body[kAtRest].contains("keyId")
                         ? &body[kAtRest]["keyId"]
                         : nullptr;
    ids[id && id->is_string() ? id->get<std::string>() : ""] += 1;
  }
  return ids;
}

api::SecretLookup SecretLookupFor(Store& store) {
  return [&store](const std::string& name) -> std::optional<api::Secret> {
    auto record = GetSecret(store, name);
    if (!record.ok()) {
      LOG_WARN("secret lookup failed").Kv("secret", name).Kv("error", record.status().message());
      return std::nullopt;
    }
    if (!*record) return std::nullopt;
    return (*record)->secret;
  };
}

}  // namespace cara::store
