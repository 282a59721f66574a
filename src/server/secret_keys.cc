#include "server/secret_keys.h"

#include <set>

#include "store/secret_records.h"

namespace cara::server {
namespace {

std::string Count(size_t n) { return std::to_string(n) + (n == 1 ? " Secret" : " Secrets"); }

// Whether every stored Secret was written under `key_id`.
Status CheckStoredKeyIds(store::Store& store, const std::string& key_id, const std::string& path) {
  auto ids = store::ListSecretKeyIds(store);
  if (!ids.ok()) return ids.status();
  size_t foreign = 0;
  for (const auto& [id, count] : *ids) {
    if (id != key_id) foreign += count;
  }
  if (foreign == 0) return Status::Ok();
  return Status::Invalid("the store holds " + Count(foreign) +
                         " encrypted with another secrets key than " + path + " (key id " + key_id +
                         "); start with the key file they were written with "
                         "(--secrets-key-file)");
}

Result<security::SecretsKey> LoadOrCreate(store::Store& store, const std::string& path,
                                          bool may_create, bool* created) {
  auto loaded = security::LoadSecretsKey(path);
  if (loaded.ok() || loaded.status().code() != Code::kNotFound) return loaded;
  if (!may_create) {
    return Status::NotFound("secrets key file " + path +
                            " does not exist (--secrets-key-file names an existing file: 32 "
                            "random bytes in base64, mode 0600)");
  }
  auto ids = store::ListSecretKeyIds(store);
  if (!ids.ok()) return ids.status();
  size_t stored = 0;
  for (const auto& [id, count] : *ids) stored += count;
  if (stored > 0) {
    return Status::NotFound("secrets key file " + path + " is missing but the store holds " +
                            Count(stored) +
                            " encrypted with it; restore the file (or pass "
                            "--secrets-key-file) instead of starting with a new key");
  }
  *created = true;
  return security::CreateSecretsKey(path);
}

}  // namespace

Result<std::shared_ptr<const SecretKeys>> MakeSecretKeys(const security::SecretsKey& key) {
  auto cipher = security::SecretCipher::Create(key);
  if (!cipher.ok()) return cipher.status();
  auto sealing = security::SealingPrivateKey::Derive(key);
  if (!sealing.ok()) return sealing.status();
  return std::make_shared<const SecretKeys>(SecretKeys{std::move(*cipher), std::move(*sealing)});
}

Result<LoadedSecretKeys> LoadSecretKeys(store::Store& store, const SecretsKeySource& source) {
  LoadedSecretKeys out;
  out.path =
      source.key_file.empty() ? security::DefaultSecretsKeyPath(source.data_dir) : source.key_file;
  auto key = LoadOrCreate(store, out.path, source.key_file.empty(), &out.created);
  if (!key.ok()) return key.status();
  auto keys = MakeSecretKeys(*key);
  if (!keys.ok()) return keys.status();
  CARA_RETURN_IF_ERROR(CheckStoredKeyIds(store, (*keys)->cipher.key_id(), out.path));
  out.keys = std::move(*keys);
  return out;
}

}  // namespace cara::server
