#include "agent/project_secrets.h"

#include "api/secret_rules.h"
#include "common/hex.h"
#include "security/symmetric_crypto.h"

namespace cara::agent {
namespace {

using Fetched = std::map<std::string, SecretValues>;

// The fetched Secrets as the reference rules see them: type and keys, no
// values.
api::SecretLookup LookupIn(const Fetched& fetched) {
  return [&fetched](const std::string& name) -> std::optional<api::Secret> {
    auto it = fetched.find(name);
    if (it == fetched.end()) return std::nullopt;
    api::Secret secret;
    secret.metadata.name = name;
    secret.type = it->second.type;
    for (const auto& entry : it->second.values) secret.digests[entry.first] = "";
    return secret;
  };
}

// A resolved reference's value (UnresolvedSecretReference vouched for it).
const std::string& ValueOf(const Fetched& fetched, const std::string& secret,
                           const std::string& key) {
  return fetched.at(secret).values.at(key);
}

}  // namespace

bool UsesSecrets(const api::ProjectSpec& spec) { return !api::ReferencedSecrets(spec).empty(); }

Result<ProjectSecrets> FetchProjectSecrets(ControlPlane& server, const api::Project& project) {
  Fetched fetched;
  for (const std::string& name : api::ReferencedSecrets(project.spec)) {
    Result<SecretValues> secret = server.GetSecretValues(name);
    if (secret.status().code() == Code::kNotFound) continue;  // the rules below name it
    if (!secret.ok()) return secret.status();
    secret->name = name;
    fetched.emplace(name, std::move(*secret));
  }
  // The scheduler's own rule, so the agent's message is the one a Pending
  // project would have shown.
  std::string unresolved = api::UnresolvedSecretReference(project.spec, LookupIn(fetched));
  if (!unresolved.empty()) return Status::NotFound(unresolved);

  ProjectSecrets out;
  for (const auto& service : project.spec.services) {
    for (const auto& env : service.env) {
      if (!env.value_from) continue;
      const api::SecretKeyRef& ref = *env.value_from;
      out.values[{ref.name, ref.key}] = ValueOf(fetched, ref.name, ref.key);
    }
  }
  for (const std::string& name : project.spec.image_pull_secrets) {
    RegistryCredentials credentials;
    credentials.server = ValueOf(fetched, name, api::kRegistryServerKey);
    credentials.username = ValueOf(fetched, name, api::kRegistryUsernameKey);
    credentials.password = ValueOf(fetched, name, api::kRegistryPasswordKey);
    out.registries.push_back(std::move(credentials));
  }
  return out;
}

std::string SecretValueDigest(const std::string& secret, const std::string& key,
                              const std::string& value) {
  // NUL-separated: names and keys cannot hold one, so no two triples collide.
  std::string text = secret + '\0' + key + '\0' + value;
  std::string digest = security::Sha256(text);
  return LowerHex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
}

}  // namespace cara::agent
