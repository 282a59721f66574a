#include "security/secrets_key.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "security/atomic_file.h"
#include "security/base64.h"
#include "security/symmetric_crypto.h"

namespace cara::security {
namespace {

std::string Trim(const std::string& s) {
  const char* kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// A key others can read is a leaked key: refuse it the way ssh refuses a
// loose private key, instead of quietly using it.
Status CheckPrivateMode(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("secrets key file " + path + " does not exist");
    return Status::Unavailable("cannot stat secrets key file " + path + ": " +
                               std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Status::Invalid("secrets key file " + path + " has mode " + OctalMode(st.st_mode) +
                           "; it must not be accessible by group or others (chmod 600 " + path +
                           ")");
  }
  return Status::Ok();
}

}  // namespace

SecretsKey::SecretsKey(std::string bytes) : bytes_(std::move(bytes)) {}

SecretsKey::~SecretsKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

std::string DefaultSecretsKeyPath(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "pki" / "secrets.key").string();
}

Result<SecretsKey> LoadSecretsKey(const std::string& path) {
  CARA_RETURN_IF_ERROR(CheckPrivateMode(path));
  auto text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  std::optional<std::string> bytes = DecodeBase64(Trim(*text));
  OPENSSL_cleanse(text->data(), text->size());
  if (!bytes || bytes->size() != kSecretsKeySize) {
    return Status::Invalid("secrets key file " + path + " must hold the base64 of " +
                           std::to_string(kSecretsKeySize) + " random bytes (" +
                           (bytes ? "it holds " + std::to_string(bytes->size()) + " bytes"
                                  : std::string("it is not base64")) +
                           ")");
  }
  return SecretsKey(std::move(*bytes));
}

Result<SecretsKey> CreateSecretsKey(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Status::AlreadyExists("secrets key file " + path + " already exists");
  }
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    CARA_RETURN_IF_ERROR(MakePrivateDirectory(parent.string()));
  }
  auto bytes = RandomBytes(kSecretsKeySize);
  if (!bytes.ok()) return bytes.status();
  SecretsKey key(std::move(*bytes));
  std::string text = EncodeBase64(key.bytes()) + "\n";
  Status written = WriteFileAtomically(path, text, 0600);
  OPENSSL_cleanse(text.data(), text.size());
  if (!written.ok()) return written;
  return key;
}

}  // namespace cara::security
