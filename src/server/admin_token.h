// Where cara-server's admin token comes from: the operator's
// (--admin-token-file, or CARA_ADMIN_TOKEN holding the token itself), else
// <data dir>/admin.token, generated (0600, in a 0700 directory) on first
// start and read back on every later one, so it keeps working.
#pragma once

#include <string>

#include "common/status.h"

namespace cara::server {

struct AdminTokenSource {
  std::string token_file;  // --admin-token-file
  std::string env_token;   // CARA_ADMIN_TOKEN
  std::string data_dir;
};

// The token, never logged. `generated_path` is set when a new file was
// written (so the caller can say where it is).
Result<std::string> ResolveAdminToken(const AdminTokenSource& source, std::string* generated_path);

}  // namespace cara::server
