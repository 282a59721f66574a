// Secret routes. Values come in (stringData, or sealedData opened with the
// cluster's sealing key), are encrypted at rest and go out again only to a
// node through /values (server/access_control decides who); every other
// answer carries metadata, type and per-key digests. No value, sealed blob
// or plaintext is ever put into a problem detail or a log line.
#include <httplib.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include "api/codec.h"
#include "security/sealed_value.h"
#include "security/secret_digest.h"
#include "server/handler_context.h"
#include "server/label_filter.h"
#include "server/request_body.h"
#include "server/response.h"
#include "server/router.h"
#include "store/secret_records.h"

namespace cara::server {
namespace {

using nlohmann::ordered_json;

void WriteLookupError(httplib::Response& res, const Status& st, const std::string& name) {
  if (st.code() == Code::kNotFound) {
    return WriteProblem(res, 404, "secret not found: " + name + ": resource not found");
  }
  WriteError(res, st);
}

// Values travel as JSON strings (to the agent, into container env), so a
// sealed value must be UTF-8 text; plain ones already came in as JSON.
bool IsUtf8(const std::string& text) {
  try {
    (void)nlohmann::json(text).dump();
    return true;
  } catch (const nlohmann::json::type_error&) {
    return false;
  }
}

// The values of a decoded Secret and their digests, sealed values opened for
// its name. A blob that does not open is a 422 at its pointer.
Decoded<security::SecretValues> OpenValues(const SecretKeys& keys, api::Secret& secret) {
  const std::string& name = secret.metadata.name;
  security::SecretValues values;
  secret.digests.clear();
  for (const auto& [key, value] : secret.string_data) {
    values[key] = value;
    secret.digests[key] = security::PlainSourceDigest(name, key, value);
  }
  std::vector<api::SchemaError> errors;
  for (const auto& [key, blob] : secret.sealed_data) {
    auto opened = security::OpenSealedValue(keys.sealing, name, key, blob);
    if (!opened.ok() || !IsUtf8(*opened)) {
      std::string pointer = "/sealedData";
      api::AppendPointerToken(pointer, key);
      errors.push_back({std::move(pointer), opened.ok() ? "the sealed value is not UTF-8 text"
                                                        : opened.status().message()});
      continue;
    }
    values[key] = std::move(*opened);
    secret.digests[key] = security::SealedSourceDigest(blob);
  }
  if (!errors.empty()) {
    std::string detail = errors.front().pointer + ": " + errors.front().message;
    return Problem{422, detail, std::move(errors)};
  }
  return values;
}

// The record to store for a decoded Secret: digests computed, values
// encrypted, input maps dropped.
Decoded<store::SecretRecord> ToRecord(const SecretKeys& keys, api::Secret secret) {
  auto values = OpenValues(keys, secret);
  if (!values.ok()) return values.error();
  auto blob = keys.cipher.Encrypt(secret.metadata.name, *values);
  for (auto& [key, value] : *values) OPENSSL_cleanse(value.data(), value.size());
  if (!blob.ok()) {
    if (blob.status().code() == Code::kInvalid) {
      return Problem{422, "a secret value must be UTF-8 text", {}};
    }
    return Problem{500, "Internal server error", {}};
  }
  store::SecretRecord record;
  secret.type = api::EffectiveSecretType(secret);
  secret.string_data.clear();
  secret.sealed_data.clear();
  record.secret = std::move(secret);
  record.key_id = keys.cipher.key_id();
  record.values_blob = std::move(*blob);
  return record;
}

class SecretHandlers {
 public:
  explicit SecretHandlers(const HandlerContext& ctx) : ctx_(ctx) {}

  void Create(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    if (!Configured(res)) return;
    auto secret = DecodeSecretCreate(req.body);
    if (!secret.ok()) return WriteProblem(res, secret.error());
    const std::string name = secret->metadata.name;
    auto record = ToRecord(*ctx_.options.secret_keys, std::move(*secret));
    if (!record.ok()) return WriteProblem(res, record.error());
    auto created = store::CreateSecret(*ctx_.store, std::move(*record), ctx_.clock->Now());
    if (!created.ok()) return WriteCreateError(res, created.status(), "secret", name);
    WriteJson(res, 201, api::EncodeSecret(created->secret));
  }

  void Replace(const httplib::Request& req, httplib::Response& res, const PathParams& p) {
    if (!Configured(res)) return;
    const std::string& name = p.at("name");
    auto secret = DecodeSecretReplace(req.body, name);
    if (!secret.ok()) return WriteProblem(res, secret.error());
    auto record = ToRecord(*ctx_.options.secret_keys, std::move(*secret));
    if (!record.ok()) return WriteProblem(res, record.error());
    auto replaced = store::ReplaceSecret(*ctx_.store, std::move(*record), ctx_.clock->Now());
    if (!replaced.ok()) return WriteLookupError(res, replaced.status(), name);
    WriteJson(res, 200, api::EncodeSecret(replaced->secret));
  }

  void List(const httplib::Request& req, httplib::Response& res, const PathParams&) {
    auto selector = ParseLabelSelectorParam(req);
    if (!selector.ok()) return WriteProblem(res, selector.error());
    auto secrets = store::ListSecrets(*ctx_.store);
    if (!secrets.ok()) return WriteError(res, secrets.status());
    std::vector<std::string> items;
    for (const auto& record : *secrets) {
      if (selector->Matches(record.secret.metadata.labels)) {
        items.push_back(api::EncodeSecret(record.secret));
      }
    }
    WriteJson(res, 200, JoinListBody("SecretList", items));
  }

  void Get(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    auto record = Find(res, p.at("name"));
    if (record) WriteJson(res, 200, api::EncodeSecret(record->secret));
  }

  void Delete(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    Status st = store::DeleteSecret(*ctx_.store, p.at("name"));
    if (!st.ok()) return WriteLookupError(res, st, p.at("name"));
    res.status = 204;
  }

  // Only a node running a Project that uses the Secret gets here.
  void Values(const httplib::Request&, httplib::Response& res, const PathParams& p) {
    if (!Configured(res)) return;
    auto record = Find(res, p.at("name"));
    if (!record) return;
    auto values = ctx_.options.secret_keys->cipher.Decrypt(p.at("name"), record->values_blob);
    if (!values.ok()) return WriteError(res, Status::Internal(values.status().message()));
    ordered_json body = {{"name", record->secret.metadata.name},
                         {"type", record->secret.type},
                         {"resourceVersion", record->secret.metadata.resource_version},
                         {"values", ordered_json::object()}};
    for (const auto& [key, value] : *values) body["values"][key] = value;
    WriteJson(res, 200, body.dump());
  }

  void PublicKey(const httplib::Request&, httplib::Response& res, const PathParams&) {
    if (!Configured(res)) return;
    const security::SealingPublicKey& key = ctx_.options.secret_keys->sealing.public_key();
    ordered_json body = {{"algorithm", security::kSealingAlgorithm},
                         {"publicKey", key.Base64()},
                         {"fingerprint", key.Fingerprint()}};
    WriteJson(res, 200, body.dump());
  }

 private:
  bool Configured(httplib::Response& res) const {
    if (ctx_.options.secret_keys) return true;
    WriteProblem(res, 503, "this server has no secrets key");
    return false;
  }

  std::optional<store::SecretRecord> Find(httplib::Response& res, const std::string& name) {
    auto record = store::GetSecret(*ctx_.store, name);
    if (!record.ok()) {
      WriteError(res, record.status());
      return std::nullopt;
    }
    if (!*record) {
      WriteLookupError(res, Status::NotFound(""), name);
      return std::nullopt;
    }
    return std::move(**record);
  }

  HandlerContext ctx_;
};

}  // namespace

void RegisterSecretRoutes(Router& router, const HandlerContext& ctx) {
  auto h = std::make_shared<SecretHandlers>(ctx);
  // Before the resource routes: "publickey" would otherwise match {name}.
  router.Add("GET", "/api/v1/secrets/publickey", h, &SecretHandlers::PublicKey);
  router.AddResource("/api/v1/secrets", h);
  router.Add("GET", "/api/v1/secrets/{name}/values", h, &SecretHandlers::Values);
}

}  // namespace cara::server
