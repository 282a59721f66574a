// caractrl's client config: named contexts (a server, the CA to trust, a
// token) and the current one, like a kubeconfig. cara-server writes one for
// its admin at first start; caractrl reads it and switches contexts. Text in,
// text out: reading and writing the file is the caller's business.
//
//   apiVersion: caravanserai.io/v1
//   kind: Config
//   current-context: default
//   contexts:
//   - name: default
//     server: https://127.0.0.1:8080
//     certificate-authority-data: LS0tLS1CRUdJTi...   # base64 of the CA PEM
//     token: cara_0123456789ab_...
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace cara::api {

struct ClientContext {
  std::string name;
  std::string server;
  std::string certificate_authority;       // a PEM file (relative: to the config file's dir)
  std::string certificate_authority_data;  // PEM text (base64 in the file)
  std::string token;
  bool insecure_skip_tls_verify = false;
};

struct ClientConfig {
  std::string current_context;  // "" or the name of one of `contexts`
  std::vector<ClientContext> contexts;

  // The context called `name`, or null.
  const ClientContext* Find(const std::string& name) const;
  ClientContext* Find(const std::string& name);
};

// Parses and validates a config file's text. Errors are Invalid and start
// with "<filename>:<line>:<column>: ": not YAML, an unknown field, a missing
// or duplicate context name, both certificate-authority and -data, data that
// is not base64 of a PEM certificate, a current-context naming no context.
Result<ClientConfig> ParseClientConfig(const std::string& text, const std::string& filename);

// The YAML text of `config`, which ParseClientConfig reads back unchanged.
std::string EmitClientConfig(const ClientConfig& config);

// A copy with every token replaced by "REDACTED" (for `caractrl config view`).
ClientConfig RedactTokens(ClientConfig config);

// The config cara-server writes for its admin: one context "default" with
// `server_url`, the CA's PEM inline and `token`, and current.
ClientConfig AdminClientConfig(const std::string& server_url, const std::string& ca_pem,
                               const std::string& token);

}  // namespace cara::api
