// Sealed values: a value encrypted offline (caractrl seal) to the cluster's
// X25519 public key, safe to commit to Git. Each blob is bound by its AAD to
// one Secret name and key, so it opens only there and only on its cluster:
//
//   "cara-sealed:v1:" + base64(ephemeral pub (32) | nonce (12) | ciphertext | tag (16))
//   AES key = HKDF-SHA256(ikm = X25519(ephemeral, cluster), salt = ephemeral pub |
//             cluster pub, info "caravanserai sealed secret v1")
//   AAD     = "caravanserai/v1/Secret/<name>/<key>"
#pragma once

#include <string>

#include "common/status.h"
#include "security/secrets_key.h"

namespace cara::security {

inline constexpr char kSealedValuePrefix[] = "cara-sealed:v1:";
inline constexpr char kSealingAlgorithm[] = "X25519-HKDF-SHA256-AES-256-GCM";

// The cluster's public sealing key (raw 32 bytes).
class SealingPublicKey {
 public:
  // Invalid unless `raw` is 32 bytes.
  static Result<SealingPublicKey> FromRaw(std::string raw);
  // Invalid unless `text` is base64 of 32 bytes.
  static Result<SealingPublicKey> FromBase64(const std::string& text);

  const std::string& raw() const { return raw_; }
  std::string Base64() const;
  // "sha256:<hex of SHA-256 of the raw key>", what an operator compares.
  std::string Fingerprint() const;

 private:
  explicit SealingPublicKey(std::string raw) : raw_(std::move(raw)) {}
  std::string raw_;
};

// The cluster's private sealing key: HKDF-SHA256(secrets key, info
// "caravanserai sealing key v1"), so it needs no file of its own.
class SealingPrivateKey {
 public:
  static Result<SealingPrivateKey> Derive(const SecretsKey& secrets_key);
  SealingPrivateKey(const SealingPrivateKey&) = default;
  SealingPrivateKey& operator=(const SealingPrivateKey&) = default;
  ~SealingPrivateKey();

  const SealingPublicKey& public_key() const { return public_key_; }
  const std::string& raw() const { return raw_; }

 private:
  SealingPrivateKey(std::string raw, SealingPublicKey public_key)
      : raw_(std::move(raw)), public_key_(std::move(public_key)) {}
  std::string raw_;
  SealingPublicKey public_key_;
};

// Whether `text` looks like a sealed value (starts with the prefix).
bool IsSealedValue(const std::string& text);

Result<std::string> SealValue(const SealingPublicKey& cluster_key, const std::string& secret_name,
                              const std::string& key, const std::string& plaintext);

// The plaintext, or Invalid when the blob is malformed or was sealed for
// another Secret name, key or cluster (GCM cannot tell these apart). The
// message never contains the blob.
Result<std::string> OpenSealedValue(const SealingPrivateKey& cluster_key,
                                    const std::string& secret_name, const std::string& key,
                                    const std::string& blob);

}  // namespace cara::security
