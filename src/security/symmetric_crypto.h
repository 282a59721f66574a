// The few symmetric building blocks the secret code shares, over OpenSSL's
// EVP interfaces: SHA-256, HKDF-SHA256, random bytes and AES-256-GCM with a
// 12-byte nonce and a 16-byte tag. Bytes travel as std::string.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace cara::security {

inline constexpr size_t kAesGcmKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

// The 32-byte SHA-256 digest of `bytes`.
std::string Sha256(std::string_view bytes);

// HKDF-SHA256 (RFC 5869) of `size` bytes; an empty salt means the RFC's zeros.
Result<std::string> HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                               size_t size);

// `size` bytes from the OpenSSL CSPRNG.
Result<std::string> RandomBytes(size_t size);

// AES-256-GCM: ciphertext followed by the tag.
Result<std::string> AesGcmSeal(std::string_view key, std::string_view nonce, std::string_view aad,
                               std::string_view plaintext);

// The plaintext of ciphertext|tag, or Invalid when the tag does not verify
// (wrong key, nonce, AAD or a tampered text).
Result<std::string> AesGcmOpen(std::string_view key, std::string_view nonce, std::string_view aad,
                               std::string_view sealed);

}  // namespace cara::security
