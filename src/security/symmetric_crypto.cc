#include "security/symmetric_crypto.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <memory>

#include "security/openssl_ptr.h"

namespace cara::security {
namespace {

using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using CipherCtxPtr =
    std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX, EVP_CIPHER_CTX_free>>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }
int Int(size_t n) { return static_cast<int>(n); }

// Starts an AES-256-GCM context for `encrypt` with key, nonce and AAD set.
Result<CipherCtxPtr> StartGcm(bool encrypt, std::string_view key, std::string_view nonce,
                              std::string_view aad) {
  if (key.size() != kAesGcmKeySize || nonce.size() != kAesGcmNonceSize) {
    return Status::Internal("AES-256-GCM needs a 32-byte key and a 12-byte nonce");
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int out_len = 0;
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr, encrypt ? 1 : 0) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, Int(nonce.size()), nullptr) != 1 ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, Bytes(key), Bytes(nonce), -1) != 1 ||
      (!aad.empty() &&
       EVP_CipherUpdate(ctx.get(), nullptr, &out_len, Bytes(aad), Int(aad.size())) != 1)) {
    return Status::Internal("AES-256-GCM setup failed: " + OpenSslError());
  }
  return ctx;
}

}  // namespace

std::string Sha256(std::string_view bytes) {
  std::string digest(32, '\0');
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), MutableBytes(digest), &size, EVP_sha256(), nullptr);
  digest.resize(size);
  return digest;
}

Result<std::string> HkdfSha256(std::string_view ikm, std::string_view salt, std::string_view info,
                               size_t size) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
  std::string out(size, '\0');
  size_t out_len = size;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      (!salt.empty() &&
       EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), Bytes(salt), Int(salt.size())) <= 0) ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), Bytes(ikm), Int(ikm.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), Bytes(info), Int(info.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), MutableBytes(out), &out_len) <= 0 || out_len != size) {
    return Status::Internal("HKDF-SHA256 failed: " + OpenSslError());
  }
  return out;
}

Result<std::string> RandomBytes(size_t size) {
  std::string out(size, '\0');
  if (RAND_bytes(MutableBytes(out), Int(size)) != 1) {
    return Status::Internal("cannot draw random bytes: " + OpenSslError());
  }
  return out;
}

Result<std::string> AesGcmSeal(std::string_view key, std::string_view nonce, std::string_view aad,
                               std::string_view plaintext) {
  auto ctx = StartGcm(true, key, nonce, aad);
  if (!ctx.ok()) return ctx.status();
  std::string out(plaintext.size() + kAesGcmTagSize, '\0');
  int len = 0;
  int final_len = 0;
  if (EVP_CipherUpdate(ctx->get(), MutableBytes(out), &len, Bytes(plaintext),
                       Int(plaintext.size())) != 1 ||
      EVP_CipherFinal_ex(ctx->get(), MutableBytes(out) + len, &final_len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, Int(kAesGcmTagSize),
                          MutableBytes(out) + len + final_len) != 1) {
    return Status::Internal("AES-256-GCM encryption failed: " + OpenSslError());
  }
  out.resize(static_cast<size_t>(len + final_len) + kAesGcmTagSize);
  return out;
}

Result<std::string> AesGcmOpen(std::string_view key, std::string_view nonce, std::string_view aad,
                               std::string_view sealed) {
  if (sealed.size() < kAesGcmTagSize) return Status::Invalid("ciphertext is too short");
  auto ctx = StartGcm(false, key, nonce, aad);
  if (!ctx.ok()) return ctx.status();
  const std::string_view body = sealed.substr(0, sealed.size() - kAesGcmTagSize);
  std::string tag(sealed.substr(body.size()));
  std::string out(body.size(), '\0');
  int len = 0;
  int final_len = 0;
  if (EVP_CipherUpdate(ctx->get(), MutableBytes(out), &len, Bytes(body), Int(body.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, Int(kAesGcmTagSize),
                          MutableBytes(tag)) != 1) {
    return Status::Internal("AES-256-GCM decryption failed: " + OpenSslError());
  }
  if (EVP_CipherFinal_ex(ctx->get(), MutableBytes(out) + len, &final_len) != 1) {
    OpenSslError();  // the queue holds nothing useful for a failed tag
    return Status::Invalid("authentication failed");
  }
  out.resize(static_cast<size_t>(len + final_len));
  return out;
}

}  // namespace cara::security
