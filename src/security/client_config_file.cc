#include "security/client_config_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "security/atomic_file.h"

namespace cara::security {

namespace {

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with mode 0700 for the directories it creates.
Status MakeDirs(const std::string& dir) {
  if (dir.empty() || dir == "." || dir == "/") return Status::Ok();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return Status::Ok();
  Status parent = MakeDirs(DirName(dir));
  if (!parent.ok()) return parent;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Internal("cannot create " + dir + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

Result<api::ClientConfig> LoadClientConfigFile(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  Result<api::ClientConfig> config = api::ParseClientConfig(*text, path);
  if (!config.ok()) return config.status();
  for (auto& context : config->contexts) {
    std::string& ca = context.certificate_authority;
    if (!ca.empty() && ca.front() != '/') ca = DirName(path) + "/" + ca;
  }
  return config;
}

Status SaveClientConfigFile(const std::string& path, const api::ClientConfig& config) {
  Status dir = MakeDirs(DirName(path));
  if (!dir.ok()) return dir;
  return WriteFileAtomically(path, api::EmitClientConfig(config), 0600);
}

Status WriteAdminClientConfig(const std::string& path, const std::string& server_url,
                              const std::string& ca_pem, const std::string& token) {
  return SaveClientConfigFile(path, api::AdminClientConfig(server_url, ca_pem, token));
}

}  // namespace cara::security
