#include "agent/project_secrets.h"

#include "common/hex.h"
#include "security/symmetric_crypto.h"

namespace cara::agent {
namespace {

Status NoKey(const std::string& secret, const std::string& key) {
  return Status::NotFound("secret \"" + secret + "\" has no key \"" + key + "\"");
}

// The value of `key`, or the NoKey error.
Result<std::string> ValueOf(const SecretValues& secret, const std::string& key) {
  auto it = secret.values.find(key);
  if (it == secret.values.end()) return NoKey(secret.name, key);
  return it->second;
}

Result<RegistryCredentials> RegistryCredentialsOf(const SecretValues& secret) {
  if (secret.type != api::kSecretRegistry) {
    return Status::NotFound("secret \"" + secret.name + "\" is not of type Registry");
  }
  RegistryCredentials out;
  for (auto [key, field] : {std::pair{api::kRegistryServerKey, &out.server},
                            std::pair{api::kRegistryUsernameKey, &out.username},
                            std::pair{api::kRegistryPasswordKey, &out.password}}) {
    Result<std::string> value = ValueOf(secret, key);
    if (!value.ok()) return value.status();
    *field = std::move(*value);
  }
  return out;
}

}  // namespace

bool UsesSecrets(const api::ProjectSpec& spec) { return !api::ReferencedSecrets(spec).empty(); }

Result<ProjectSecrets> FetchProjectSecrets(ControlPlane& server, const api::Project& project) {
  std::map<std::string, SecretValues> fetched;
  for (const std::string& name : api::ReferencedSecrets(project.spec)) {
    Result<SecretValues> secret = server.GetSecretValues(name);
    if (!secret.ok()) {
      if (secret.status().code() != Code::kNotFound) return secret.status();
      return Status::NotFound("secret \"" + name + "\" not found");
    }
    secret->name = name;
    fetched.emplace(name, std::move(*secret));
  }
  ProjectSecrets out;
  for (const auto& service : project.spec.services) {
    for (const auto& env : service.env) {
      if (!env.value_from) continue;
      const api::SecretKeyRef& ref = *env.value_from;
      Result<std::string> value = ValueOf(fetched.at(ref.name), ref.key);
      if (!value.ok()) return value.status();
      out.values[{ref.name, ref.key}] = std::move(*value);
    }
  }
  for (const std::string& name : project.spec.image_pull_secrets) {
    Result<RegistryCredentials> credentials = RegistryCredentialsOf(fetched.at(name));
    if (!credentials.ok()) return credentials.status();
    out.registries.push_back(std::move(*credentials));
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
