#include "security/webhook_signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <optional>

#include "security/symmetric_crypto.h"

namespace cara::security {
namespace {

std::optional<std::string> DecodeHex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

// The length of an HMAC is public (32 bytes); only its bytes are compared
// in constant time.
bool HexHmacMatches(std::string_view hex, std::string_view secret, std::string_view body) {
  if (secret.empty()) return false;  // never "verified" by anyone
  std::optional<std::string> given = DecodeHex(hex);
  if (!given || given->size() != 32) return false;
  const std::string expected = HmacSha256(secret, body);
  return CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0;
}

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

bool VerifyGitHubSignature(std::string_view header, std::string_view secret,
                           std::string_view body) {
  constexpr std::string_view kPrefix = "sha256=";
  if (header.substr(0, kPrefix.size()) != kPrefix) return false;
  return HexHmacMatches(header.substr(kPrefix.size()), secret, body);
}

bool VerifyGiteaSignature(std::string_view header, std::string_view secret, std::string_view body) {
  return HexHmacMatches(header, secret, body);
}

bool VerifyGitLabToken(std::string_view header, std::string_view secret) {
  if (secret.empty()) return false;
  const std::string given = Sha256(header);
  const std::string expected = Sha256(secret);
  return CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace cara::security
