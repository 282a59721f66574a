// caractrl's client config on disk: it holds tokens, so it is written like
// every other secret (a temporary file renamed into place, mode 0600).
// cara-server writes one for its admin; caractrl reads and rewrites it.
#pragma once

#include <string>

#include "api/client_config.h"
#include "common/status.h"

namespace cara::security {

// The parsed file; NotFound when it does not exist, Invalid with
// "path:line:col: ..." when it is not a valid config. A relative
// certificate-authority is made relative to the file's directory.
Result<api::ClientConfig> LoadClientConfigFile(const std::string& path);

// Writes `config` to `path` atomically with mode 0600, creating the parent
// directory (0700) when needed.
Status SaveClientConfigFile(const std::string& path, const api::ClientConfig& config);

// The config an admin uses first: a context "default" for `server_url` with
// the CA inline and the admin `token`, current. Overwrites `path`.
Status WriteAdminClientConfig(const std::string& path, const std::string& server_url,
                              const std::string& ca_pem, const std::string& token);

}  // namespace cara::security
