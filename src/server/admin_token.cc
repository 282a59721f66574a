#include "server/admin_token.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "security/atomic_file.h"
#include "security/token.h"

namespace cara::server {
namespace {

std::string Trimmed(const std::string& s) {
  const char* space = " \t\r\n";
  size_t begin = s.find_first_not_of(space);
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(space) - begin + 1);
}

Result<std::string> Checked(const std::string& token, const std::string& where) {
  if (!security::TokenId(token).ok()) {
    return Status::Invalid(where + " does not hold a cara_<id>_<secret> token");
  }
  return token;
}

Status MakePrivateDirectory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create " + dir + ": " + std::strerror(errno));
  }
  if (::chmod(dir.c_str(), 0700) != 0) {
    return Status::Unavailable("cannot chmod 0700 " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> ResolveAdminToken(const AdminTokenSource& source, std::string* generated_path) {
  if (!source.token_file.empty()) {
    auto text = security::ReadWholeFile(source.token_file);
    if (!text.ok()) return text.status();
    return Checked(Trimmed(*text), source.token_file);
  }
  if (!source.env_token.empty()) return Checked(Trimmed(source.env_token), "CARA_ADMIN_TOKEN");
  const std::string path = source.data_dir + "/admin.token";
  auto existing = security::ReadWholeFile(path);
  if (existing.ok()) return Checked(Trimmed(*existing), path);
  if (existing.status().code() != Code::kNotFound) return existing.status();
  CARA_RETURN_IF_ERROR(MakePrivateDirectory(source.data_dir));
  auto fresh = security::GenerateToken();
  if (!fresh.ok()) return fresh.status();
  CARA_RETURN_IF_ERROR(security::WriteFileAtomically(path, fresh->token + "\n", 0600));
  if (generated_path) *generated_path = path;
  return fresh->token;
}

}  // namespace cara::server
