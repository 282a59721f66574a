#include "gitops/secret_view.h"

#include "api/codec.h"
#include "security/secret_digest.h"

namespace cara::gitops {

api::StringMap SourceDigests(const api::Secret& secret) {
  api::StringMap digests;
  const std::string& name = secret.metadata.name;
  for (const auto& [key, blob] : secret.sealed_data) {
    digests[key] = security::SealedSourceDigest(blob);
  }
  for (const auto& [key, value] : secret.string_data) {
    digests[key] = security::PlainSourceDigest(name, key, value);
  }
  return digests;
}

void MakeComparable(api::Secret& secret) {
  secret.type = api::EffectiveSecretType(secret);
  if (secret.string_data.empty() && secret.sealed_data.empty()) return;
  secret.digests = SourceDigests(secret);
  secret.string_data.clear();
  secret.sealed_data.clear();
}

nlohmann::json SecretView(const api::Secret& secret) {
  nlohmann::json view = nlohmann::json::object();
  if (!secret.metadata.labels.empty()) view["metadata"]["labels"] = secret.metadata.labels;
  if (!secret.metadata.annotations.empty()) {
    view["metadata"]["annotations"] = secret.metadata.annotations;
  }
  view["type"] = api::EffectiveSecretType(secret);
  view["data"] = nlohmann::json::object();
  for (const auto& [key, digest] : secret.digests) view["data"][key] = kSecretValueShown;
  return view;
}

void MarkChangedValues(const api::Secret& want, const api::Secret& have, nlohmann::json* after) {
  for (const auto& [key, digest] : want.digests) {
    auto live = have.digests.find(key);
    if (live != have.digests.end() && live->second != digest) {
      (*after)["data"][key] = kSecretValueChanged;
    }
  }
}

nlohmann::json WithoutValues(const nlohmann::json& body) {
  if (!body.is_object()) return body;  // a delete sends none
  nlohmann::json out = body;
  out.erase("stringData");
  out.erase("sealedData");
  auto secret = api::DecodeSecret(body);
  if (secret.ok()) {
    api::StringMap digests = SourceDigests(*secret);
    if (!digests.empty()) out["digests"] = digests;
  }
  return out;
}

}  // namespace cara::gitops
