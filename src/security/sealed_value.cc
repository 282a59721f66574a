#include "security/sealed_value.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <utility>

#include "common/hex.h"
#include "security/base64.h"
#include "security/openssl_ptr.h"
#include "security/symmetric_crypto.h"

namespace cara::security {
namespace {

using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;

constexpr size_t kX25519KeySize = 32;
constexpr char kSealingKeyInfo[] = "caravanserai sealing key v1";
constexpr char kSealedSecretInfo[] = "caravanserai sealed secret v1";
constexpr size_t kPrefixSize = sizeof(kSealedValuePrefix) - 1;

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string AadFor(const std::string& secret_name, const std::string& key) {
  return "caravanserai/v1/Secret/" + secret_name + "/" + key;
}

Result<std::string> RawPublicKey(EVP_PKEY* pkey) {
  std::string raw(kX25519KeySize, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != kX25519KeySize) {
    return Status::Internal("cannot read an X25519 public key: " + OpenSslError());
  }
  return raw;
}

// X25519(private, peer public): the 32-byte shared secret.
Result<std::string> SharedSecret(EVP_PKEY* own, const std::string& peer_raw) {
  PkeyPtr peer(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, Bytes(peer_raw), peer_raw.size()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new(own, nullptr));
  std::string secret(kX25519KeySize, '\0');
  size_t size = secret.size();
  if (!peer || !ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) <= 0 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(secret.data()), &size) <= 0 ||
      size != kX25519KeySize) {
    OpenSslError();
    return Status::Invalid("X25519 key agreement failed");
  }
  return secret;
}

// The AES key both sides derive from the shared secret and both public keys.
Result<std::string> ContentKey(EVP_PKEY* own, const std::string& peer_raw,
                               const std::string& ephemeral_pub, const std::string& cluster_pub) {
  auto shared = SharedSecret(own, peer_raw);
  if (!shared.ok()) return shared.status();
  auto key = HkdfSha256(*shared, ephemeral_pub + cluster_pub, kSealedSecretInfo, kAesGcmKeySize);
  OPENSSL_cleanse(shared->data(), shared->size());
  return key;
}

Status NotSealedHere(const std::string& secret_name, const std::string& key) {
  return Status::Invalid("sealed value does not open as key \"" + key + "\" of secret \"" +
                         secret_name +
                         "\": it was sealed for another secret name or key, or for another "
                         "cluster's public key");
}

}  // namespace

Result<SealingPublicKey> SealingPublicKey::FromRaw(std::string raw) {
  if (raw.size() != kX25519KeySize) {
    return Status::Invalid("a sealing public key is 32 bytes, not " + std::to_string(raw.size()));
  }
  return SealingPublicKey(std::move(raw));
}

Result<SealingPublicKey> SealingPublicKey::FromBase64(const std::string& text) {
  std::optional<std::string> raw = DecodeBase64(text);
  if (!raw) return Status::Invalid("a sealing public key must be base64");
  return FromRaw(std::move(*raw));
}

std::string SealingPublicKey::Base64() const { return EncodeBase64(raw_); }

std::string SealingPublicKey::Fingerprint() const {
  std::string digest = Sha256(raw_);
  return "sha256:" + LowerHex(Bytes(digest), digest.size());
}

Result<SealingPrivateKey> SealingPrivateKey::Derive(const SecretsKey& secrets_key) {
  auto raw = HkdfSha256(secrets_key.bytes(), "", kSealingKeyInfo, kX25519KeySize);
  if (!raw.ok()) return raw.status();
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, Bytes(*raw), raw->size()));
  if (!pkey) return Status::Internal("cannot make the X25519 sealing key: " + OpenSslError());
  auto pub_raw = RawPublicKey(pkey.get());
  if (!pub_raw.ok()) return pub_raw.status();
  auto pub = SealingPublicKey::FromRaw(std::move(*pub_raw));
  if (!pub.ok()) return pub.status();
  return SealingPrivateKey(std::move(*raw), std::move(*pub));
}

SealingPrivateKey::~SealingPrivateKey() { OPENSSL_cleanse(raw_.data(), raw_.size()); }

bool IsSealedValue(const std::string& text) {
  return text.compare(0, kPrefixSize, kSealedValuePrefix) == 0;
}

Result<std::string> SealValue(const SealingPublicKey& cluster_key, const std::string& secret_name,
                              const std::string& key, const std::string& plaintext) {
  PkeyCtxPtr gen(EVP_PKEY_CTX_new_id(EVP_PKEY_X25519, nullptr));
  EVP_PKEY* raw_ephemeral = nullptr;
  if (!gen || EVP_PKEY_keygen_init(gen.get()) <= 0 ||
      EVP_PKEY_keygen(gen.get(), &raw_ephemeral) <= 0) {
    return Status::Internal("cannot make an ephemeral X25519 key: " + OpenSslError());
  }
  PkeyPtr ephemeral(raw_ephemeral);
  auto ephemeral_pub = RawPublicKey(ephemeral.get());
  if (!ephemeral_pub.ok()) return ephemeral_pub.status();
  auto content_key =
      ContentKey(ephemeral.get(), cluster_key.raw(), *ephemeral_pub, cluster_key.raw());
  if (!content_key.ok()) return content_key.status();
  auto nonce = RandomBytes(kAesGcmNonceSize);
  if (!nonce.ok()) return nonce.status();
  auto sealed = AesGcmSeal(*content_key, *nonce, AadFor(secret_name, key), plaintext);
  OPENSSL_cleanse(content_key->data(), content_key->size());
  if (!sealed.ok()) return sealed.status();
  return kSealedValuePrefix + EncodeBase64(*ephemeral_pub + *nonce + *sealed);
}

Result<std::string> OpenSealedValue(const SealingPrivateKey& cluster_key,
                                    const std::string& secret_name, const std::string& key,
                                    const std::string& blob) {
  if (!IsSealedValue(blob)) {
    return Status::Invalid("a sealed value starts with \"" + std::string(kSealedValuePrefix) +
                           "\" (make one with caractrl seal)");
  }
  std::optional<std::string> bytes = DecodeBase64(std::string_view(blob).substr(kPrefixSize));
  if (!bytes || bytes->size() < kX25519KeySize + kAesGcmNonceSize + kAesGcmTagSize) {
    return Status::Invalid("sealed value is malformed (not base64, or too short)");
  }
  const std::string ephemeral_pub = bytes->substr(0, kX25519KeySize);
  PkeyPtr own(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, Bytes(cluster_key.raw()),
                                           cluster_key.raw().size()));
  if (!own) return Status::Internal("cannot load the X25519 sealing key: " + OpenSslError());
  auto content_key =
      ContentKey(own.get(), ephemeral_pub, ephemeral_pub, cluster_key.public_key().raw());
  if (!content_key.ok()) return NotSealedHere(secret_name, key);
  auto plaintext = AesGcmOpen(*content_key, bytes->substr(kX25519KeySize, kAesGcmNonceSize),
                              AadFor(secret_name, key),
                              std::string_view(*bytes).substr(kX25519KeySize + kAesGcmNonceSize));
  OPENSSL_cleanse(content_key->data(), content_key->size());
  if (!plaintext.ok()) return NotSealedHere(secret_name, key);
  return plaintext;
}

}  // namespace cara::security
