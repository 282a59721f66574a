#include "security/secret_cipher.h"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include <utility>

#include "common/hex.h"
#include "security/base64.h"
#include "security/symmetric_crypto.h"

namespace cara::security {
namespace {

constexpr char kAtRestInfo[] = "caravanserai secrets at rest v1";
constexpr size_t kKeyIdHexDigits = 16;

std::string AadFor(const std::string& secret_name) {
  return "caravanserai/v1/Secret/" + secret_name;
}

// The map as a JSON object; erased after use by the caller. JSON text holds
// UTF-8 only, so a binary value is refused here rather than mangled.
Result<std::string> ValuesJson(const SecretValues& values) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : values) object[key] = value;
  try {
    return object.dump();
  } catch (const nlohmann::json::type_error&) {
    return Status::Invalid("a secret value is not valid UTF-8 text");
  }
}

Result<SecretValues> ParseValues(const std::string& json_text) {
  nlohmann::json object = nlohmann::json::parse(json_text, nullptr, false);
  if (!object.is_object()) return Status::Internal("decrypted secret values are not an object");
  SecretValues values;
  for (const auto& [key, value] : object.items()) {
    if (!value.is_string()) return Status::Internal("decrypted secret value is not a string");
    values[key] = value.get<std::string>();
  }
  return values;
}

}  // namespace

SecretCipher::SecretCipher(std::string key, std::string key_id)
    : key_(std::move(key)), key_id_(std::move(key_id)) {}

Result<SecretCipher> SecretCipher::Create(const SecretsKey& secrets_key) {
  auto key = HkdfSha256(secrets_key.bytes(), "", kAtRestInfo, kAesGcmKeySize);
  if (!key.ok()) return key.status();
  std::string digest = Sha256(*key);
  std::string id = LowerHex(reinterpret_cast<const unsigned char*>(digest.data()), digest.size())
                       .substr(0, kKeyIdHexDigits);
  return SecretCipher(std::move(*key), std::move(id));
}

Result<std::string> SecretCipher::Encrypt(const std::string& secret_name,
                                          const SecretValues& values) const {
  auto nonce = RandomBytes(kAesGcmNonceSize);
  if (!nonce.ok()) return nonce.status();
  auto plaintext = ValuesJson(values);
  if (!plaintext.ok()) return plaintext.status();
  auto sealed = AesGcmSeal(key_, *nonce, AadFor(secret_name), *plaintext);
  OPENSSL_cleanse(plaintext->data(), plaintext->size());
  if (!sealed.ok()) return sealed.status();
  return EncodeBase64(*nonce + *sealed);
}

Result<SecretValues> SecretCipher::Decrypt(const std::string& secret_name,
                                           const std::string& blob) const {
  std::optional<std::string> bytes = DecodeBase64(blob);
  if (!bytes || bytes->size() < kAesGcmNonceSize + kAesGcmTagSize) {
    return Status::Invalid("stored values of secret \"" + secret_name + "\" are malformed");
  }
  auto plaintext = AesGcmOpen(key_, bytes->substr(0, kAesGcmNonceSize), AadFor(secret_name),
                              std::string_view(*bytes).substr(kAesGcmNonceSize));
  if (!plaintext.ok()) {
    return Status::Invalid("stored values of secret \"" + secret_name +
                           "\" do not open with this key under this name");
  }
  auto values = ParseValues(*plaintext);
  OPENSSL_cleanse(plaintext->data(), plaintext->size());
  return values;
}

}  // namespace cara::security
