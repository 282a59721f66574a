// The cluster's secrets key: 32 random bytes, base64 text in one 0600 file
// (<data dir>/pki/secrets.key unless the operator names another). Everything
// secret is derived from it -- the at-rest key of Secret values and the
// X25519 sealing key -- so this one file is all an operator must back up.
#pragma once

#include <string>

#include "common/status.h"

namespace cara::security {

inline constexpr size_t kSecretsKeySize = 32;

class SecretsKey {
 public:
  // `bytes` must be kSecretsKeySize long.
  explicit SecretsKey(std::string bytes);
  SecretsKey(const SecretsKey&) = default;
  SecretsKey& operator=(const SecretsKey&) = default;
  ~SecretsKey();

  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// <data_dir>/pki/secrets.key.
std::string DefaultSecretsKeyPath(const std::string& data_dir);

// Reads the key file: NotFound when it does not exist; Invalid, naming the
// file, when it is readable by group or others, or is not base64 of exactly
// 32 bytes (surrounding whitespace allowed). The key is never in a message.
Result<SecretsKey> LoadSecretsKey(const std::string& path);

// Draws a new key and writes it to `path` (0600, atomically; its directory
// made 0700 when missing). AlreadyExists when the file is there: a key is
// never replaced, since that would make every stored Secret unreadable.
Result<SecretsKey> CreateSecretsKey(const std::string& path);

}  // namespace cara::security
