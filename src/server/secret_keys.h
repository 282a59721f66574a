// The keys behind the Secret routes, all derived from the one secrets key
// file, and how cara-server finds that file at start-up:
//
//   --secrets-key-file / CARA_SECRETS_KEY_FILE   loaded; must exist
//   otherwise <data dir>/pki/secrets.key         loaded, or created (0600) at first start
//
// The server refuses to start rather than serve Secrets it cannot open:
// when the store holds Secrets written under another key (their key id
// differs), or when the default file is missing although Secrets exist (a new
// key would silently orphan them).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "security/sealed_value.h"
#include "security/secret_cipher.h"
#include "security/secrets_key.h"
#include "store/store.h"

namespace cara::server {

struct SecretKeys {
  security::SecretCipher cipher;        // values at rest
  security::SealingPrivateKey sealing;  // opens sealedData; its public half is served
};

Result<std::shared_ptr<const SecretKeys>> MakeSecretKeys(const security::SecretsKey& key);

struct SecretsKeySource {
  std::string key_file;  // --secrets-key-file or CARA_SECRETS_KEY_FILE; "" = the default
  std::string data_dir;
};

struct LoadedSecretKeys {
  std::shared_ptr<const SecretKeys> keys;
  std::string path;      // the key file used
  bool created = false;  // this start wrote a new key file
};

// Loads or creates the key as above and checks it against the Secrets in
// `store`. Errors name the file and say what to do; they never hold a key.
Result<LoadedSecretKeys> LoadSecretKeys(store::Store& store, const SecretsKeySource& source);

}  // namespace cara::server
