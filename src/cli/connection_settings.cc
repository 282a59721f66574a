#include "cli/connection_settings.h"

#include <cstdlib>

#include "common/go_quote.h"
#include "net/https_client.h"
#include "security/client_config_file.h"

namespace cara::cli {

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
}

ConnectionFlags WithEnvironment(ConnectionFlags flags, const EnvLookup& env) {
  auto fill = [&](std::string& value, const char* variable) {
    if (value.empty()) value = env(variable);
  };
  fill(flags.server, "CARA_SERVER");
  fill(flags.token, "CARA_TOKEN");
  fill(flags.ca_file, "CARA_CA_FILE");
  fill(flags.config_path, "CARA_CONFIG");
  fill(flags.context, "CARA_CONTEXT");
  return flags;
}

std::string DefaultConfigPath(const EnvLookup& env) {
  std::string base = env("XDG_CONFIG_HOME");
  if (base.empty()) base = env("HOME") + "/.config";
  return base + "/caravanserai/config.yaml";
}

Result<LoadedConfig> LoadSelectedConfig(const ConnectionFlags& flags, const EnvLookup& env) {
  LoadedConfig loaded;
  bool explicit_path = !flags.config_path.empty();
  loaded.path = explicit_path ? flags.config_path : DefaultConfigPath(env);
  Result<api::ClientConfig> config = security::LoadClientConfigFile(loaded.path);
  if (config.ok()) {
    loaded.config = std::move(config).value();
    loaded.exists = true;
    return loaded;
  }
  if (config.status().code() == Code::kNotFound && !explicit_path) return loaded;
  if (config.status().code() == Code::kNotFound) {
    return Status::Invalid("config file " + loaded.path +
                           " does not exist (--config or CARA_CONFIG)");
  }
  return config.status();
}

Result<ApiConnection> ResolveConnection(const ConnectionFlags& flags, const LoadedConfig& file) {
  const api::ClientContext* context = nullptr;
  if (!flags.context.empty()) {
    context = file.config.Find(flags.context);
    if (!context) {
      return Status::Invalid("context " + GoQuote(flags.context) + " not found in " + file.path +
                             " (--context or CARA_CONTEXT)");
    }
  } else if (!file.config.current_context.empty()) {
    context = file.config.Find(file.config.current_context);
  }
  api::ClientContext none;
  if (!context) context = &none;

  ApiConnection c;
  c.server = !flags.server.empty()      ? flags.server
             : !context->server.empty() ? context->server
                                        : kDefaultServer;
  c.token = !flags.token.empty() ? flags.token : context->token;
  if (!flags.ca_file.empty()) {
    c.tls.ca_file = flags.ca_file;
  } else {
    c.tls.ca_file = context->certificate_authority;
    c.tls.ca_pem = context->certificate_authority_data;
  }
  c.tls.insecure_skip_verify = flags.insecure_skip_tls_verify || context->insecure_skip_tls_verify;
  return c;
}

Result<ApiConnection> ResolveUsableConnection(const ConnectionFlags& flags,
                                              const LoadedConfig& file) {
  Result<ApiConnection> connection = ResolveConnection(flags, file);
  if (!connection.ok()) return connection;
  CARA_RETURN_IF_ERROR(ValidateServerUrl(connection->server));
  if (connection->server.rfind("https://", 0) == 0) {
    CARA_RETURN_IF_ERROR(net::CheckTlsClientOptions(connection->tls));
  }
  return connection;
}

}  // namespace cara::cli
