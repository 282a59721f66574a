#include "api/secret_rules.h"

#include <map>
#include <set>

#include "api/validation.h"

namespace cara::api {
namespace {

std::string Pointer(const char* field, const std::string& key) {
  std::string pointer = std::string("/") + field;
  AppendPointerToken(pointer, key);
  return pointer;
}

void CheckKeys(const StringMap& data, const char* field, std::vector<Violation>& out) {
  for (const auto& [key, value] : data) {
    if (std::string problem = SecretKeyProblem(key); !problem.empty()) {
      AddViolation(out, Pointer(field, key), "key " + GoQuote(key) + " " + problem);
    }
  }
}

void CheckRegistryKeys(const Secret& s, std::vector<Violation>& out) {
  static const std::set<std::string> kRegistryKeys = {kRegistryServerKey, kRegistryUsernameKey,
                                                      kRegistryPasswordKey};
  for (const StringMap* data : {&s.string_data, &s.sealed_data}) {
    const char* field = data == &s.string_data ? "stringData" : "sealedData";
    for (const auto& [key, value] : *data) {
      if (!kRegistryKeys.count(key)) {
        AddViolation(
            out, Pointer(field, key),
            "type Registry takes only the keys server, username and password, not " + GoQuote(key));
      }
    }
  }
  for (const std::string& key : kRegistryKeys) {
    if (s.string_data.count(key) || s.sealed_data.count(key)) continue;
    AddViolation(out, s.sealed_data.empty() ? "/stringData" : "/sealedData",
                 "type Registry needs the key " + GoQuote(key));
  }
}

void CheckEnvReferences(const ProjectSpec& spec, std::vector<Violation>& out) {
  for (size_t i = 0; i < spec.services.size(); ++i) {
    const ServiceDef& s = spec.services[i];
    for (size_t j = 0; j < s.env.size(); ++j) {
      const EnvVar& e = s.env[j];
      if (!e.value_from) continue;
      const std::string at =
          "/spec/services/" + std::to_string(i) + "/env/" + std::to_string(j) + "/valueFrom";
      const std::string who = "service " + s.name + ": env " + e.name + ": ";
      if (e.value && !e.value->empty()) {
        AddViolation(out, at, who + "value and valueFrom are mutually exclusive");
      }
      if (Status st = ValidateName(e.value_from->name); !st.ok()) {
        AddViolation(out, at + "/secretKeyRef/name", who + "secret name: " + st.message());
      }
      if (std::string problem = SecretKeyProblem(e.value_from->key); !problem.empty()) {
        AddViolation(out, at + "/secretKeyRef/key",
                     who + "key " + GoQuote(e.value_from->key) + " " + problem);
      }
    }
  }
}

bool HasKey(const Secret& s, const std::string& key) {
  return s.digests.count(key) || s.string_data.count(key) || s.sealed_data.count(key);
}

}  // namespace

std::string SecretKeyProblem(const std::string& key) {
  if (key.empty()) return "must not be empty";
  if (key.size() > 253) return "must be no more than 253 characters";
  for (unsigned char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) return "must consist of alphanumeric characters, '-', '_' or '.'";
  }
  return "";
}

std::vector<Violation> CheckSecretData(const Secret& s) {
  std::vector<Violation> out;
  if (s.metadata.name == kReservedSecretName) {
    AddViolation(out, "/metadata/name",
                 "secret name \"publickey\" is reserved (GET /api/v1/secrets/publickey)");
  }
  if (size_t keys = s.string_data.size() + s.sealed_data.size(); keys > kMaxSecretKeys) {
    AddViolation(out, s.sealed_data.empty() ? "/stringData" : "/sealedData",
                 "has " + std::to_string(keys) + " keys: a Secret holds at most " +
                     std::to_string(kMaxSecretKeys));
    return out;
  }
  CheckKeys(s.string_data, "stringData", out);
  CheckKeys(s.sealed_data, "sealedData", out);
  for (const auto& [key, value] : s.string_data) {
    if (value.find('\0') != std::string::npos) {
      AddViolation(out, Pointer("stringData", key),
                   "key " + GoQuote(key) +
                       ": the value must not contain a NUL character (it could not be an "
                       "environment variable)");
    }
  }
  for (const auto& [key, value] : s.sealed_data) {
    if (s.string_data.count(key)) {
      AddViolation(out, Pointer("sealedData", key),
                   "key " + GoQuote(key) + " is in both stringData and sealedData");
    }
  }
  if (EffectiveSecretType(s) == kSecretRegistry) CheckRegistryKeys(s, out);
  for (const auto& [key, digest] : s.digests) {
    if (s.string_data.count(key) || s.sealed_data.count(key)) continue;
    AddViolation(
        out, Pointer("digests", key),
        "key " + GoQuote(key) +
            " has a digest but no value in stringData or sealedData: the API never returns "
            "values, so a Secret read back cannot be applied again (seal the values instead)");
  }
  return out;
}

std::vector<Violation> CheckSecretReferences(const ProjectSpec& spec) {
  std::vector<Violation> out;
  CheckEnvReferences(spec, out);
  std::set<std::string> seen;
  for (size_t i = 0; i < spec.image_pull_secrets.size(); ++i) {
    const std::string& name = spec.image_pull_secrets[i];
    const std::string at = "/spec/imagePullSecrets/" + std::to_string(i);
    if (Status st = ValidateName(name); !st.ok()) {
      AddViolation(out, at, "imagePullSecrets: " + st.message());
    } else if (!seen.insert(name).second) {
      AddViolation(out, at, "imagePullSecrets: duplicate secret " + GoQuote(name));
    }
  }
  return out;
}

std::string UnresolvedSecretReference(const ProjectSpec& spec, const SecretLookup& lookup) {
  std::map<std::string, std::optional<Secret>> seen;
  auto find = [&](const std::string& name) -> const std::optional<Secret>& {
    auto it = seen.find(name);
    if (it == seen.end()) it = seen.emplace(name, lookup(name)).first;
    return it->second;
  };
  auto not_found = [](const std::string& name) { return "secret " + GoQuote(name) + " not found"; };
  for (const std::string& name : spec.image_pull_secrets) {
    const std::optional<Secret>& s = find(name);
    if (!s) return not_found(name);
    if (EffectiveSecretType(*s) != kSecretRegistry) {
      return "secret " + GoQuote(name) + " is not of type Registry";
    }
  }
  for (const ServiceDef& service : spec.services) {
    for (const EnvVar& e : service.env) {
      if (!e.value_from) continue;
      const std::optional<Secret>& s = find(e.value_from->name);
      if (!s) return not_found(e.value_from->name);
      if (!HasKey(*s, e.value_from->key)) {
        return "secret " + GoQuote(e.value_from->name) + " has no key " +
               GoQuote(e.value_from->key);
      }
    }
  }
  return "";
}

}  // namespace cara::api
