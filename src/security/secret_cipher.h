// Secret values at rest: the whole value map of one Secret ({key: value} as
// JSON) encrypted with AES-256-GCM under a key derived from the secrets key,
// bound to the Secret's name by the AAD so a blob copied onto another
// Secret's record does not open. A database dump therefore holds no value.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "security/secrets_key.h"

namespace cara::security {

using SecretValues = std::map<std::string, std::string>;

class SecretCipher {
 public:
  // Derives the at-rest key: HKDF-SHA256(secrets key, info "caravanserai
  // secrets at rest v1").
  static Result<SecretCipher> Create(const SecretsKey& secrets_key);

  // hex(SHA-256(at-rest key))[:16]: stored beside each blob so a server
  // started with another key notices before it serves anything.
  const std::string& key_id() const { return key_id_; }

  // base64(nonce (12, random) | ciphertext | tag (16)), AAD
  // "caravanserai/v1/Secret/<name>".
  Result<std::string> Encrypt(const std::string& secret_name, const SecretValues& values) const;

  // The values of a blob made by Encrypt for the same name; Invalid when
  // the blob is malformed, tampered with, or belongs to another name or key.
  Result<SecretValues> Decrypt(const std::string& secret_name, const std::string& blob) const;

 private:
  SecretCipher(std::string key, std::string key_id);

  std::string key_;
  std::string key_id_;
};

}  // namespace cara::security
