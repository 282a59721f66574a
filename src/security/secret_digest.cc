#include "security/secret_digest.h"

#include <openssl/evp.h>

#include "common/hex.h"
#include "security/symmetric_crypto.h"

namespace cara::security {
namespace {

constexpr int kPbkdf2Iterations = 100000;
constexpr int kPbkdf2Size = 32;

std::string Hex(const std::string& bytes) {
  return LowerHex(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
}

}  // namespace

std::string SealedSourceDigest(const std::string& blob) { return "sha256:" + Hex(Sha256(blob)); }

std::string PlainSourceDigest(const std::string& secret_name, const std::string& key,
                              const std::string& value) {
  const std::string salt = "caravanserai/secret/" + secret_name + "/" + key;
  std::string out(kPbkdf2Size, '\0');
  PKCS5_PBKDF2_HMAC(value.data(), static_cast<int>(value.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), kPbkdf2Iterations, EVP_sha256(), kPbkdf2Size,
                    reinterpret_cast<unsigned char*>(out.data()));
  return "pbkdf2-sha256:" + Hex(out);
}

}  // namespace cara::security
