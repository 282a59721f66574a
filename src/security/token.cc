#include "security/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/hex.h"

namespace cara::security {
namespace {

constexpr char kPrefix[] = "cara_";
constexpr size_t kPrefixSize = sizeof(kPrefix) - 1;
constexpr size_t kIdBytes = 6;
constexpr size_t kSecretBytes = 32;

Result<std::string> RandomHex(size_t bytes) {
  unsigned char buf[kSecretBytes];
  if (RAND_bytes(buf, static_cast<int>(bytes)) != 1) {
    return Status::Internal("cannot draw random bytes for a token");
  }
  std::string hex = LowerHex(buf, bytes);
  OPENSSL_cleanse(buf, sizeof(buf));
  return hex;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Result<NewToken> GenerateToken() {
  auto id = RandomHex(kIdBytes);
  if (!id.ok()) return id.status();
  auto secret = RandomHex(kSecretBytes);
  if (!secret.ok()) return secret.status();
  return NewToken{*id, kPrefix + *id + "_" + *secret};
}

std::string TokenSha256(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(token.data(), token.size(), digest, &size, EVP_sha256(), nullptr);
  return LowerHex(digest, size);
}

Result<std::string> TokenId(std::string_view token) {
  const size_t id_end = kPrefixSize + 2 * kIdBytes;
  if (token.size() != id_end + 1 + 2 * kSecretBytes || token.substr(0, kPrefixSize) != kPrefix ||
      token[id_end] != '_' || !IsLowerHex(token.substr(kPrefixSize, 2 * kIdBytes)) ||
      !IsLowerHex(token.substr(id_end + 1))) {
    return Status::Invalid("malformed token");
  }
  return std::string(token.substr(kPrefixSize, 2 * kIdBytes));
}

bool TokenMatches(std::string_view token, std::string_view sha256_hex) {
  const std::string actual = TokenSha256(token);
  if (sha256_hex.size() != actual.size()) return false;
  return CRYPTO_memcmp(actual.data(), sha256_hex.data(), actual.size()) == 0;
}

}  // namespace cara::security
