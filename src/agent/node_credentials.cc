#include "agent/node_credentials.h"

#include <filesystem>

namespace cara::agent {

Result<AgentTlsFiles> NodeCredentialsIn(const std::string& state_dir) {
  namespace fs = std::filesystem;
  AgentTlsFiles files{(fs::path(state_dir) / kNodeCertFileName).string(),
                      (fs::path(state_dir) / kNodeKeyFileName).string(),
                      (fs::path(state_dir) / kClusterCaFileName).string()};
  std::string missing;
  int present = 0;
  for (const std::string* path : {&files.cert_file, &files.key_file, &files.ca_file}) {
    std::error_code ec;
    if (fs::exists(*path, ec)) {
      ++present;
    } else {
      missing += (missing.empty() ? "" : ", ") + *path;
    }
  }
  if (present == 0) return AgentTlsFiles{};
  if (!missing.empty()) {
    return Status::Invalid("incomplete node credentials: missing " + missing +
                           " (join the node again, or remove the others to run without TLS)");
  }
  return files;
}

}  // namespace cara::agent
