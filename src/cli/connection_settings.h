// Which server caractrl talks to and with which credentials: each setting
// comes from its flag, else its environment variable, else the selected
// context of the config file (kubectl's rules).
#pragma once

#include <functional>
#include <string>

#include "api/client_config.h"
#include "cli/api_client.h"
#include "common/status.h"

namespace cara::cli {

inline constexpr char kDefaultServer[] = "http://localhost:8080";

// The connection flags; an empty string is a flag not given.
struct ConnectionFlags {
  std::string server;       // --server
  std::string token;        // --token
  std::string ca_file;      // --certificate-authority
  std::string config_path;  // --config
  std::string context;      // --context
  bool insecure_skip_tls_verify = false;
};

// Reads an environment variable; "" when unset.
using EnvLookup = std::function<std::string(const std::string& name)>;
EnvLookup ProcessEnvironment();

// `flags` with each missing one taken from its variable: CARA_SERVER,
// CARA_TOKEN, CARA_CA_FILE, CARA_CONFIG, CARA_CONTEXT.
ConnectionFlags WithEnvironment(ConnectionFlags flags, const EnvLookup& env);

// $XDG_CONFIG_HOME/caravanserai/config.yaml, XDG_CONFIG_HOME defaulting to
// $HOME/.config.
std::string DefaultConfigPath(const EnvLookup& env);

// The config file `flags` (after WithEnvironment) select, its path and
// whether it was named explicitly; a missing default file is an empty config.
struct LoadedConfig {
  std::string path;
  api::ClientConfig config;
  bool exists = false;
};
Result<LoadedConfig> LoadSelectedConfig(const ConnectionFlags& flags, const EnvLookup& env);

// The connection: each setting from `flags` (after WithEnvironment), else the
// context --context/CARA_CONTEXT names (Invalid when the file lacks it), else
// the file's current-context; the server defaults to kDefaultServer.
Result<ApiConnection> ResolveConnection(const ConnectionFlags& flags, const LoadedConfig& file);

// ResolveConnection, then checked before any request (a bad URL or CA file
// is a usage error, not a server that is down).
Result<ApiConnection> ResolveUsableConnection(const ConnectionFlags& flags,
                                              const LoadedConfig& file);

}  // namespace cara::cli
